// Main step: record the user search list and default keychain (GITHUB_STATE). Post step (the same
// file; STATE_before is set then): compare, and check that the keychain is gone.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

function keychains() {
  const run = (args) => execFileSync('security', args, { encoding: 'utf8' }).trim();
  return {
    list: run(['list-keychains', '-d', 'user']),
    default: run(['default-keychain', '-d', 'user']),
  };
}

const before = process.env.STATE_before;
if (before === undefined) {
  const now = keychains();
  fs.appendFileSync(process.env.GITHUB_STATE, `before=${JSON.stringify(now)}\n`);
  console.log(`recorded:\n${now.list}\ndefault: ${now.default}`);
} else {
  const was = JSON.parse(before);
  const now = keychains();
  const keychain = process.env['INPUT_KEYCHAIN'];
  const problems = [];
  if (fs.existsSync(keychain)) problems.push(`${keychain} is still there`);
  if (now.list !== was.list) problems.push(`the search list is\n${now.list}\nnot\n${was.list}`);
  if (now.default !== was.default) problems.push(`the default keychain is ${now.default}, not ${was.default}`);
  if (problems.length > 0) {
    for (const problem of problems) console.log(`::error title=after the ascert action::${problem.replace(/\n/g, '%0A')}`);
    process.exit(1);
  }
  console.log(`the keychain is gone, and the search list and the default keychain are as they were:\n${now.list}\ndefault: ${now.default}`);
}
