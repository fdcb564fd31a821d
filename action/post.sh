#!/usr/bin/env bash
# The action's post step (action.yml `post-if: always()`): runs after the job's last step,
# whether it passed, failed or was cancelled, and deletes what the main step made: the keychain
# (which leaves the search list, the previous default keychain made default again), the member
# key file and the .p12 files. The main step recorded each before making it (GITHUB_STATE, read
# back here as STATE_*), so a main step stopped half-way is cleaned up as far as it got.
set -uo pipefail

status=0
ascert="${STATE_ascert:-}"
keychain="${STATE_keychain:-}"
if [ -n "${STATE_home:-}" ]; then
    export ASCERT_HOME="$STATE_home"
fi

if [ -n "$keychain" ]; then
    if [ -n "$ascert" ] && [ -x "$ascert" ]; then
        if ! "$ascert" keychain delete "$keychain" --if-exists < /dev/null; then
            echo "::error title=ascert::could not delete the keychain $keychain (ascert said why, above)"
            status=1
        fi
    else
        echo "::error title=ascert::the keychain $keychain is left: the ascert that made it is gone"
        status=1
    fi
fi

# The action's own folder in RUNNER_TEMP: the member key, the .p12 files, the installed binary.
work="${STATE_work:-}"
case "$work" in
    "${RUNNER_TEMP:-/nonexistent}"/ascert-action) rm -rf "$work" ;;
    '') ;;
    *) echo "::warning title=ascert::not removing $work: it is not the action's folder in RUNNER_TEMP" ;;
esac
exit "$status"
