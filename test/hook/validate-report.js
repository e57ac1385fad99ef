// validate-report.js FILE...: each file against schemas/hook-report.schema.json
// (the CLI's own ajv loader); prints one line per problem, exits 1 on any.
const { validate } = require('../../build/ts/cli/src/lib/schema');
const fs = require('node:fs');
let bad = 0;
for (const f of process.argv.slice(2)) {
  for (const line of validate('hook-report', JSON.parse(fs.readFileSync(f, 'utf8')))) {
    console.log(`${f}: ${line}`);
    bad++;
  }
}
process.exit(bad ? 1 : 0);
