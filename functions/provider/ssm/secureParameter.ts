// A cached SSM SecureString (Powertools Parameters): decrypted on first use, kept for maxAge so
// warm invocations make no SSM call, re-read after that so a rotated secret is picked up.
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { ConfigError } from "../../types/errors.js";
import { toDeliveryError } from "../aws/awsErrors.js";

export const DEFAULT_PARAMETER_MAX_AGE_SECONDS = 300;

export class SecureParameter {
  constructor(
    readonly name: string,
    private readonly provider: SSMProvider = new SSMProvider(),
    private readonly maxAgeSeconds: number = DEFAULT_PARAMETER_MAX_AGE_SECONDS,
  ) {}

  async value(): Promise<string> {
    let value: string | undefined;
    try {
      value = await this.provider.get(this.name, { decrypt: true, maxAge: this.maxAgeSeconds });
    } catch (error) {
      // Powertools wraps SDK errors in GetParameterError; classify by the SDK error inside.
      const sdkError = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      if (sdkError instanceof Error && sdkError.name === "ParameterNotFound") {
        throw new ConfigError(`SSM parameter ${this.name} does not exist`, { cause: sdkError });
      }
      throw toDeliveryError(sdkError, `ssm:GetParameter (with decryption) on ${this.name}`);
    }
    if (!value) throw new ConfigError(`SSM parameter ${this.name} is empty`);
    return value;
  }
}
