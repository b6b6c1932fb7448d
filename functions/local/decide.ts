// npm run approve -- <cluster>/<namespace>/<name> [--reject] [--digest sha256:…] [--reason …]
// npm run rollback -- <cluster>/<namespace>/<name> [--reason …] [--quarantine]
// npm run unquarantine -- <repository>@<digest> [--reason …]
// One script for the three (package.json passes the command first); what it does, its two modes
// and its exit status: functions/local/decisionCli.ts.
import { main } from "./decisionCli.js";

// Exit explicitly: warm-start caches (HTTP keep-alive agents, clients) would otherwise keep the
// process alive. Writes to pipes and files are synchronous on Linux, so nothing is lost.
process.exit(await main(process.argv.slice(2)));
