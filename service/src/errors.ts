// The analytics API's own errors. ConfigError repeats functions/types/errors.ts on purpose:
// service/ (a container image) and functions/ (Lambda bundles) are separately built and deployed
// units with no shared package between them, so neither imports the other (the dependency rule
// service-and-functions-apart in .dependency-cruiser.cjs). A dozen duplicated lines cost less
// than a package both would have to version and release together. Name and code match the
// functions' ConfigError so that logs read the same.

/** Configuration is missing or malformed. Raised at start, before anything listens or connects. */
export class ConfigError extends Error {
  readonly code = "InvalidConfig";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
