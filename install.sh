#!/bin/sh
# Installs the `ascert` release binary for this machine, verified against the release's SHA256SUMS.
#
#   curl -fsSL https://github.com/ascert/ascert/releases/latest/download/install.sh | sh
#   sh install.sh [--version vX.Y.Z|latest] [--to DIR] [--base-url URL] [--target TRIPLE]
#
# Environment (the options win): ASCERT_VERSION, ASCERT_INSTALL_DIR, ASCERT_INSTALL_BASE_URL.
# Prints the installed path, alone, on stdout; progress and errors go to stderr. Nothing is written
# into DIR unless the archive matches its SHA256SUMS line and its binary runs. docs/install.md says
# more; `cargo xtask release-check` (xtask/src/release.rs) tests this script under sh and dash.
#
# POSIX sh (dash, macOS's /bin/sh). Everything is inside main, called on the last line, so that a
# download cut short runs nothing.

set -eu

DEFAULT_BASE_URL=https://github.com/ascert/ascert/releases

say() {
    printf 'ascert install: %s\n' "$*" >&2
}

die() {
    printf 'ascert install: error: %s\n' "$*" >&2
    exit 1
}

usage() {
    cat <<'EOF'
Installs the ascert release binary for this machine, verified against the release's SHA256SUMS.

usage: install.sh [--version vX.Y.Z|latest] [--to DIR] [--base-url URL] [--target TRIPLE]

  --version   the release to install (default: latest; env ASCERT_VERSION)
  --to        the folder to install ascert into (default: ~/.local/bin; env ASCERT_INSTALL_DIR)
  --base-url  where the releases are (default: https://github.com/ascert/ascert/releases;
              env ASCERT_INSTALL_BASE_URL); https:// or file:// only
  --target    the archive to install (default: this machine's): aarch64-apple-darwin,
              x86_64-apple-darwin, universal-apple-darwin, x86_64-unknown-linux-gnu,
              aarch64-unknown-linux-gnu

Prints the installed path on stdout.
EOF
}

# This machine's target triple, from uname.
detect_target() {
    os=$(uname -s)
    arch=$(uname -m)
    # A shell running under Rosetta reports x86_64 on Apple silicon: the native binary is better.
    if [ "$os" = Darwin ] && [ "$arch" = x86_64 ] &&
        [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
        arch=arm64
    fi
    case "$os/$arch" in
        Darwin/arm64 | Darwin/aarch64) echo aarch64-apple-darwin ;;
        Darwin/x86_64) echo x86_64-apple-darwin ;;
        Linux/x86_64 | Linux/amd64) echo x86_64-unknown-linux-gnu ;;
        Linux/aarch64 | Linux/arm64) echo aarch64-unknown-linux-gnu ;;
        *)
            die "there is no release binary for $os $arch; build ascert from source instead:" \
                "cargo install --locked --git https://github.com/ascert/ascert ascert"
            ;;
    esac
}

# Downloads URL into FILE with curl (https and file URLs only, redirects included) or wget.
fetch() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --proto '=https,file' --proto-redir '=https' --retry 3 --retry-delay 2 \
            -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        case "$1" in
            file://*) cp "${1#file://}" "$2" ;;
            *) wget -q --https-only --tries=3 -O "$2" "$1" ;;
        esac
    else
        die "neither curl nor wget is installed"
    fi
}

# The SHA-256 of FILE, in lowercase hex.
sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sum=$(sha256sum "$1")
    elif command -v shasum >/dev/null 2>&1; then
        sum=$(shasum -a 256 "$1")
    else
        die "neither sha256sum nor shasum is installed: cannot verify the download"
    fi
    printf '%s\n' "${sum%% *}"
}

main() {
    version=${ASCERT_VERSION:-latest}
    dir=${ASCERT_INSTALL_DIR:-}
    base=${ASCERT_INSTALL_BASE_URL:-$DEFAULT_BASE_URL}
    target=
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --version | --to | --base-url | --target)
                [ "$#" -ge 2 ] || die "$1 needs a value"
                case "$1" in
                    --version) version=$2 ;;
                    --to) dir=$2 ;;
                    --base-url) base=$2 ;;
                    --target) target=$2 ;;
                esac
                shift 2
                ;;
            --version=*) version=${1#*=}; shift ;;
            --to=*) dir=${1#*=}; shift ;;
            --base-url=*) base=${1#*=}; shift ;;
            --target=*) target=${1#*=}; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown argument: $1" ;;
        esac
    done

    case "$version" in
        latest) ;;
        v[0-9]*) ;;
        [0-9]*) version=v$version ;;
        *) die "--version takes vX.Y.Z or latest, not $version" ;;
    esac
    case "$version" in
        *[!A-Za-z0-9.+-]*) die "--version takes vX.Y.Z or latest, not $version" ;;
    esac
    base=${base%/}
    case "$base" in
        https://* | file://*) ;;
        http://*) die "refusing the plain http:// URL $base: use https://" ;;
        *) die "refusing the base URL $base: only https:// and file:// are supported" ;;
    esac
    if [ -z "$target" ]; then
        target=$(detect_target)
    fi
    case "$target" in
        aarch64-apple-darwin | x86_64-apple-darwin | universal-apple-darwin | \
            x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu) ;;
        *) die "there is no release binary for $target; see --help for the targets, or build ascert from source with: cargo install --locked --git https://github.com/ascert/ascert ascert" ;;
    esac
    if [ -z "$dir" ]; then
        [ -n "${HOME:-}" ] || die "HOME is not set: say where to install with --to DIR"
        dir=$HOME/.local/bin
    fi

    asset=ascert-$target.tar.gz
    if [ "$version" = latest ]; then
        from=$base/latest/download
    else
        from=$base/download/$version
    fi

    tmp=$(mktemp -d 2>/dev/null || mktemp -d -t ascert-install)
    staged=
    trap 'rm -rf "$tmp"; if [ -n "$staged" ]; then rm -f "$staged"; fi' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    say "downloading $from/SHA256SUMS"
    fetch "$from/SHA256SUMS" "$tmp/SHA256SUMS" || die "could not download $from/SHA256SUMS"
    # sha256sum's format: the hash, two spaces (or a space and `*`), the file name.
    expected=$(awk -v name="$asset" '$2 == name || $2 == ("*" name) { print tolower($1); exit }' \
        "$tmp/SHA256SUMS")
    [ -n "$expected" ] || die "refusing to install: SHA256SUMS at $from has no line for $asset"
    case "$expected" in
        *[!0-9a-f]*) die "refusing to install: the SHA256SUMS line for $asset is not a SHA-256" ;;
    esac
    [ "${#expected}" -eq 64 ] ||
        die "refusing to install: the SHA256SUMS line for $asset is not a SHA-256"

    say "downloading $from/$asset"
    fetch "$from/$asset" "$tmp/$asset" || die "could not download $from/$asset"
    actual=$(sha256_of "$tmp/$asset")
    [ "$actual" = "$expected" ] ||
        die "refusing to install: $asset has SHA-256 $actual, but SHA256SUMS says $expected"
    say "verified $asset (SHA-256 $actual)"

    mkdir "$tmp/unpacked"
    tar -xzf "$tmp/$asset" -C "$tmp/unpacked" || die "could not unpack $asset"
    binary=$tmp/unpacked/ascert-$target/ascert
    if [ ! -f "$binary" ] || [ -h "$binary" ]; then
        die "refusing to install: $asset holds no ascert-$target/ascert"
    fi
    chmod 755 "$binary"
    runs=$("$binary" --version 2>/dev/null) ||
        die "the downloaded ascert does not run on this machine ($target); build it from source with: cargo install --locked --git https://github.com/ascert/ascert ascert"
    case "$runs" in
        "ascert "*) ;;
        *) die "refusing to install: the downloaded binary printed $runs for --version" ;;
    esac

    mkdir -p "$dir" || die "could not create $dir"
    dir=$(CDPATH='' cd -- "$dir" && pwd) || die "cannot enter $dir"
    [ ! -d "$dir/ascert" ] || die "$dir/ascert is a folder"
    # A new name in the same folder, then a rename over the old binary: a running ascert keeps its
    # file, and no one ever sees half a binary.
    staged=$dir/.ascert.install.$$
    cp "$binary" "$staged" || die "could not write into $dir"
    chmod 755 "$staged"
    mv -f "$staged" "$dir/ascert" || die "could not move the binary into $dir"
    staged=
    say "installed $runs into $dir"
    case ":${PATH:-}:" in
        *":$dir:"*) ;;
        *) say "$dir is not on your PATH; add it, e.g. export PATH=\"$dir:\$PATH\"" ;;
    esac
    printf '%s\n' "$dir/ascert"
}

main "$@"
