// Runs one of the action's bash scripts (main.sh, post.sh) for its JavaScript entry point.
//
// GitHub runs `node24` actions with their post step, which composite actions cannot have; the
// work itself is in bash, so that it reads like the CI recipe of docs/keychain.md and is tested
// with the same fake `security` as tests/e2e (tests/e2e/action.rs). Nothing here reads an input:
// the scripts read the runner's INPUT_* variables themselves.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');

/**
 * Runs `bash SCRIPT` from this folder with the job's environment, passes on SIGINT and SIGTERM
 * (a cancelled job) to the script and the command it is running, and exits with the script's
 * status.
 * @param {string} script the file name, `main.sh` or `post.sh`
 */
function launch(script) {
  const env = {
    ...process.env,
    // The scripts parse JSON with the node that runs them: jq is not on every Mac.
    ASCERT_ACTION_NODE: process.execPath,
  };
  // A process group of its own, so that a cancel reaches the ascert command bash waits for:
  // bash itself acts on SIGINT only once that command has ended.
  const child = spawn('bash', [path.join(__dirname, script)], {
    env,
    stdio: 'inherit',
    detached: true,
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is gone already: the script has ended.
      }
    });
  }
  child.on('error', (error) => {
    console.log(`::error title=ascert::cannot run bash for ${script}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      console.log(`::error title=ascert::${script} was stopped by ${signal}`);
      process.exit(1);
    }
    process.exit(code);
  });
}

module.exports = { launch };
