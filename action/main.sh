#!/usr/bin/env bash
# The action's main step (action.yml; action/README.md is the guide). The CI recipe of
# docs/keychain.md, as steps of a GitHub job:
#
#   1. ascert: the one the job names (ascert-path), or a release installed by install.sh, which
#      verifies the archive against the release's SHA256SUMS; its folder goes on PATH.
#   2. A keychain for the job (`ascert keychain create`), its generated password masked before it
#      can reach the log. What the post step must delete is recorded (GITHUB_STATE) before it is
#      made, so a failure or a cancel at any point after leaves nothing behind.
#   3. `ascert identities ensure --type T --keychain … --json` for each type, from the team store
#      or App Store Connect; --readonly for pull requests unless told otherwise.
#   4. Step outputs: the keychain's path, each identity's SHA-1 (and .p12), ascert's path.
#
# Inputs are the runner's INPUT_* variables; each maps to one ascert option or environment
# variable, and an empty one leaves the job's own environment in charge.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
node="${ASCERT_ACTION_NODE:-node}"

fail() {
    echo "::error title=ascert::$*"
    exit 1
}

# The value of input NAME, as the runner passes it (INPUT_ + the name in upper case, spaces as
# underscores, hyphens kept), without surrounding white space.
input() {
    local name value
    name="INPUT_$(printf '%s' "$1" | tr '[:lower:] ' '[:upper:]_')"
    value="$(printenv "$name" || true)"
    value="${value#"${value%%[![:space:]]*}"}"
    printf '%s' "${value%"${value##*[![:space:]]}"}"
}

# Sets VARIABLE from the true/false input NAME (empty: DEFAULT); anything else is an error, not
# a guess. (Not a command substitution: its `fail` must end this script, not a subshell.)
flag() {
    local value
    value="$(input "$2")"
    case "${value:-$3}" in
        true | True | TRUE) printf -v "$1" true ;;
        false | False | FALSE) printf -v "$1" false ;;
        *) fail "input $2 must be true or false, not \"$value\"" ;;
    esac
}

# One line of a step output or of the post step's state; a value never holds a new line.
record() {
    case "$3" in *$'\n'* | *$'\r'*) fail "$2 must be one line" ;; esac
    printf '%s=%s\n' "$2" "$3" >> "$1"
}

# Masks every line of a secret that is not PEM armour, so that a value passed without the
# `secrets` context (which GitHub masks by itself) never shows in the log either.
mask() {
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%$'\r'}"
        case "$line" in '' | -----*) continue ;; esac
        echo "::add-mask::$line"
    done <<< "$1"
}

for variable in GITHUB_OUTPUT GITHUB_STATE GITHUB_PATH RUNNER_TEMP; do
    [ -n "$(printenv "$variable" || true)" ] || fail "$variable is not set: this script is the action's main step, run by the GitHub runner"
done

# Everything the post step removes lives here.
work="$RUNNER_TEMP/ascert-action"
mkdir -p "$work"
chmod 700 "$work"

# --- Inputs, checked before anything is made -------------------------------------------------

types=()
read -r -a types <<< "$(input types | tr ',\n\r' '   ')"
[ "${#types[@]}" -gt 0 ] || fail "input types is empty: name at least one certificate type, such as DEVELOPMENT"
for type in "${types[@]}"; do
    case "$type" in
        *[!A-Z0-9_]*) fail "input types: \"$type\" is not a certificate type (DEVELOPMENT, DISTRIBUTION, DEVELOPER_ID_APPLICATION_G2, …)" ;;
    esac
done

for secret in private-key passphrase p12-password identity-key; do
    value="$(input "$secret")"
    [ -z "$value" ] || mask "$value"
done

read_only=false default_keychain=true individual_key=false p12=false
readonly_input="$(input readonly)"
case "${readonly_input:-auto}" in
    auto)
        case "${GITHUB_EVENT_NAME:-}" in
            pull_request | pull_request_target) read_only=true ;;
            *) read_only=false ;;
        esac
        ;;
    *) flag read_only readonly false ;;
esac
flag default_keychain default-keychain true
flag individual_key individual-key false
flag p12 p12 false
if [ "$p12" = true ] && [ -z "$(input p12-password)" ] && [ -z "${ASCERT_P12_PASSWORD:-}" ]; then
    fail "p12: true needs a password for the .p12 files: the p12-password input (from a secret) or ASCERT_P12_PASSWORD"
fi

lock_after="$(input lock-after)"
case "$lock_after" in
    '') ;;
    *[!0-9]*) fail "input lock-after must be a number of seconds (or empty for never), not \"$lock_after\"" ;;
esac
min_days_left="$(input min-days-left)"
case "$min_days_left" in
    *[!0-9]*) fail "input min-days-left must be a number of days, not \"$min_days_left\"" ;;
esac

keychain_input="$(input keychain)"
case "${keychain_input:-job}" in
    job) keychain="$RUNNER_TEMP/ascert-signing.keychain-db" ;;
    none) keychain="" ;;
    *) keychain="$keychain_input" ;;
esac
if [ -n "$keychain" ] && [ "${RUNNER_OS:-macOS}" != macOS ]; then
    fail "a keychain needs a macOS runner (this one is ${RUNNER_OS}); use keychain: none to write .p12 files only"
fi

# The environment ascert reads: each input that is set, under ascert's own name.
from_input() {
    local value
    value="$(input "$1")"
    if [ -n "$value" ]; then
        export "$2=$value"
    fi
}
from_input key-id ASC_KEY_ID
from_input issuer-id ASC_ISSUER_ID
from_input private-key ASC_PRIVATE_KEY
from_input base-url ASCERT_BASE_URL
from_input home ASCERT_HOME
from_input timeout ASCERT_TIMEOUT
from_input store ASCERT_TEAM_STORE
from_input identity ASCERT_TEAM_IDENTITY
from_input passphrase ASCERT_TEAM_PASSPHRASE
from_input members-sha256 ASCERT_TEAM_MEMBERS_SHA256
from_input p12-password ASCERT_P12_PASSWORD
if [ "$individual_key" = true ]; then
    export ASC_INDIVIDUAL_KEY=1
fi
global=()
api_key="$(input api-key)"
if [ -n "$api_key" ]; then
    global+=(--api-key "$api_key")
fi

# The post step runs ascert with the same keystore (it holds the keychain's record).
if [ -n "${ASCERT_HOME:-}" ]; then
    record "$GITHUB_STATE" home "$ASCERT_HOME"
fi
record "$GITHUB_STATE" work "$work"

identity_key="$(input identity-key)"
if [ -n "$identity_key" ]; then
    [ -z "$(input identity)" ] || fail "give the member key as identity (a file) or identity-key (its text), not both"
    (
        umask 077
        printf '%s\n' "$identity_key" > "$work/member-identity"
    )
    export ASCERT_TEAM_IDENTITY="$work/member-identity"
fi
unset identity_key

# --- 1. ascert --------------------------------------------------------------------------------

ascert="$(input ascert-path)"
if [ -n "$ascert" ]; then
    if ! [ -f "$ascert" ] || ! [ -x "$ascert" ]; then
        fail "ascert-path: $ascert is not an executable file"
    fi
    ascert="$(cd "$(dirname "$ascert")" && pwd)/$(basename "$ascert")"
else
    version="$(input version)"
    if [ -z "$version" ]; then
        # `uses: ascert/ascert@v1.2.3` installs v1.2.3; a branch or a major tag (v1), the latest.
        if [[ "${GITHUB_ACTION_REF:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
            version="$GITHUB_ACTION_REF"
        else
            version=latest
        fi
    fi
    install=(--version "$version" --to "$work/bin")
    base_url="$(input release-base-url)"
    if [ -n "$base_url" ]; then
        install+=(--base-url "$base_url")
    fi
    ascert="$(sh "$root/install.sh" "${install[@]}")" || fail "could not install ascert $version (install.sh said why, above)"
fi
record "$GITHUB_STATE" ascert "$ascert"
record "$GITHUB_OUTPUT" ascert "$ascert"
dirname "$ascert" >> "$GITHUB_PATH"
"$ascert" --version

# --- 2. The keychain --------------------------------------------------------------------------

keychain_path=""
if [ -n "$keychain" ]; then
    # Recorded first: from here on, whatever happens, the post step deletes it (--if-exists).
    record "$GITHUB_STATE" keychain "$keychain"
    create=(keychain create "$keychain")
    if [ "$default_keychain" = true ]; then
        create+=(--default)
    fi
    if [ -n "$lock_after" ]; then
        create+=(--lock-after "$lock_after")
    fi
    # ascert makes the password and prints it, alone, on stdout; it is masked before any other
    # line is written, and lives only in this script's environment.
    ASCERT_KEYCHAIN_PASSWORD="$("$ascert" "${create[@]}" < /dev/null)" || fail "ascert keychain create failed (it said why, above)"
    mask "$ASCERT_KEYCHAIN_PASSWORD"
    export ASCERT_KEYCHAIN_PASSWORD
fi

# --- 3. The identities ------------------------------------------------------------------------

p12_dir=""
if [ "$p12" = true ]; then
    p12_dir="$work/p12"
    mkdir -p "$p12_dir"
    chmod 700 "$p12_dir"
fi

reports=()
for type in "${types[@]}"; do
    ensure=(identities ensure --type "$type" --json)
    if [ -n "$keychain" ]; then
        ensure+=(--keychain "$keychain")
    fi
    if [ "$read_only" = true ]; then
        ensure+=(--readonly)
    fi
    if [ -n "$min_days_left" ]; then
        ensure+=(--min-days-left "$min_days_left")
    fi
    wait_for="$(input wait)"
    if [ -n "$wait_for" ]; then
        ensure+=(--wait "$wait_for")
    fi
    if [ -n "$p12_dir" ]; then
        ensure+=(--p12 "$p12_dir/$type.p12")
    fi
    report="$work/$type.json"
    echo "::group::ascert identities ensure --type $type"
    status=0
    "$ascert" "${global[@]}" "${ensure[@]}" < /dev/null > "$report" || status=$?
    echo "::endgroup::"
    if [ "$status" -ne 0 ]; then
        hint=""
        if [ "$read_only" = true ]; then
            hint=" (read-only for a ${GITHUB_EVENT_NAME:-pull request}: it uses what the team store holds and never creates a certificate)"
        fi
        fail "ascert identities ensure --type $type failed with status $status$hint; its message is in the group above"
    fi
    reports+=("$report")
done

# --- 4. Outputs -------------------------------------------------------------------------------

# One JSON array of what later steps need, and the first identity's SHA-1 and keychain path.
summary="$("$node" -e '
    const fs = require("node:fs");
    const out = process.argv.slice(1).map((file) => {
        const r = JSON.parse(fs.readFileSync(file, "utf8"));
        const k = r.keychain || {};
        return {
            type: r.certificateType,
            certificateId: r.certificateId,
            expires: r.expires,
            outcome: r.outcome,
            sha1: k.sha1 || "",
            name: k.name || "",
            keychain: k.keychain || "",
            p12: r.p12 || "",
        };
    });
    console.log(JSON.stringify(out));
    console.log(out[0].sha1);
    console.log(out[0].keychain);
    console.log("end");
' "${reports[@]}")" || fail "could not read the reports of identities ensure"
# Four lines, the last "end" (a command substitution drops trailing empty lines).
{
    IFS= read -r identities
    IFS= read -r sha1
    IFS= read -r keychain_path
} <<< "$summary"

record "$GITHUB_OUTPUT" identities "$identities"
record "$GITHUB_OUTPUT" sha1 "$sha1"
record "$GITHUB_OUTPUT" keychain "$keychain_path"
record "$GITHUB_OUTPUT" p12-dir "$p12_dir"
rm -f "${reports[@]}"

echo "ascert: ${#types[@]} identit$([ "${#types[@]}" -eq 1 ] && echo y || echo ies) ready${keychain_path:+ in $keychain_path}:"
"$node" -e '
    for (const i of JSON.parse(process.argv[1])) {
        const extra = (i.sha1 ? " SHA-1 " + i.sha1 : "") + (i.p12 ? " " + i.p12 : "");
        console.log("  " + i.type + " " + i.certificateId + " (" + i.outcome + ", expires " + i.expires + ")" + extra);
    }
' "$identities"
