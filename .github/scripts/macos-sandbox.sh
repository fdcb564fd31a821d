#!/usr/bin/env bash
# The sandbox standing in for Apple on a macOS runner, for the jobs of .github/workflows/macos.yml.
#
#   macos-sandbox.sh start   serve the sandbox, put its API key and URL in $GITHUB_ENV, and its
#                            root certificate where Apple's would be
#   macos-sandbox.sh stop    stop it (SIGTERM; it exits 0) and print its log
#   macos-sandbox.sh forget-root   delete the keychain that holds its root
#
# Apple's root is in every Mac's System Roots keychain; the sandbox's root is in none. codesign
# puts the whole chain, root included, into a signature and refuses to sign without a self-signed
# root (kCMSCertificateChainWithRootOrFail, Security OSX/libsecurity_codesigning/lib/signer.cpp;
# "unable to build chain to self-signed root"), so `start` puts the sandbox root where Apple's
# would be: as a plain certificate, trusted for nothing, in a keychain of the search list. That is
# the sandbox standing in for Apple, not a step of any recipe; a job records the state its recipe
# must restore after `start`.
set -euo pipefail

: "${RUNNER_TEMP:?}"
pid_file="$RUNNER_TEMP/sandbox.pid"
log="$RUNNER_TEMP/sandbox.log"
root_keychain="$RUNNER_TEMP/sandbox-root.keychain-db"

start() {
    : "${GITHUB_ENV:?}"
    # The sandbox prints one line of JSON on stdout once it accepts connections (docs/sandbox.md,
    # "The ready line"): read it from a FIFO, which returns as soon as the line is written (or at
    # end of file if the server fails to start), instead of sleeping.
    local fifo="$RUNNER_TEMP/sandbox-ready" ready
    mkfifo "$fifo"
    ascert sandbox serve --key-out "$RUNNER_TEMP/sandbox-key" < /dev/null > "$fifo" 2> "$log" &
    echo "$!" > "$pid_file"
    if ! IFS= read -r -t 120 ready < "$fifo"; then
        echo "::error::the sandbox printed no ready line"
        cat "$log"
        exit 1
    fi
    echo "$ready"
    field() { jq -er ".$1" <<< "$ready"; }
    local base_url
    base_url="$(field baseUrl)"
    {
        echo "ASCERT_BASE_URL=$base_url"
        echo "ASC_KEY_ID=$(field keyId)"
        echo "ASC_ISSUER_ID=$(field issuerId)"
        echo "ASC_PRIVATE_KEY_PATH=$(field privateKeyPath)"
    } >> "$GITHUB_ENV"

    curl -fsS "$base_url/sandbox/ca/root.cer" -o "$RUNNER_TEMP/sandbox-root.cer"
    local pw
    pw="$(uuidgen)"
    security create-keychain -p "$pw" "$root_keychain"
    security unlock-keychain -p "$pw" "$root_keychain"
    security set-keychain-settings "$root_keychain"
    security add-certificates -k "$root_keychain" "$RUNNER_TEMP/sandbox-root.cer"
    # The search list is one quoted path a line; the keychain is appended to it.
    local list=() line
    while IFS= read -r line; do
        line="${line#"${line%%[![:space:]]*}"}"
        line="${line#\"}"
        list+=("${line%\"}")
    done < <(security list-keychains -d user)
    security list-keychains -d user -s "${list[@]}" "$root_keychain"
}

stop() {
    if [ -s "$pid_file" ]; then
        local pid
        pid="$(cat "$pid_file")"
        kill -TERM "$pid" 2> /dev/null || true
        # It exits with status 0 on SIGTERM (docs/sandbox.md); give it a few seconds.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2> /dev/null || break
            sleep 1
        done
    fi
    cat "$log" 2> /dev/null || true
}

forget_root() {
    if [ -e "$root_keychain" ]; then
        security delete-keychain "$root_keychain"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    forget-root) forget_root ;;
    *)
        echo "usage: $0 start|stop|forget-root" >&2
        exit 2
        ;;
esac
