#!/bin/sh
# Renders the Homebrew formula of one release from ascert.rb.in (beside this script) and the
# release's SHA256SUMS, on stdout: the URLs of the two macOS archives of vVERSION and their hashes.
#
# Usage: render.sh VERSION SHA256SUMS > ascert.rb     (VERSION as 1.2.3 or v1.2.3)
#
# .github/workflows/release.yml runs it for each release; `cargo xtask release-check` runs it here
# and checks the result with ruby -c and check_formula.rb. Fails, rendering nothing, when the
# version is not one or SHA256SUMS lacks a macOS archive.
set -eu

if [ "$#" -ne 2 ]; then
    echo "usage: $0 VERSION SHA256SUMS > ascert.rb" >&2
    exit 2
fi
version=${1#v}
sums=$2
template=$(dirname -- "$0")/ascert.rb.in

case "$version" in
    '' | *[!0-9A-Za-z.+-]* | [!0-9]*)
        echo "error: $1 is not a version (1.2.3 or v1.2.3)" >&2
        exit 2
        ;;
esac
if [ ! -r "$sums" ]; then
    echo "error: cannot read $sums" >&2
    exit 1
fi

# The hash of one archive: its sha256sum line, exactly one, 64 lowercase hex digits.
hash_of() {
    found=$(awk -v name="$1" '$2 == name || $2 == ("*" name) { print $1 }' "$sums")
    case "$found" in
        '')
            echo "error: $sums has no line for $1" >&2
            return 1
            ;;
        *[!0-9a-f]*)
            echo "error: $sums's line for $1 is not one SHA-256 in lowercase hex" >&2
            return 1
            ;;
    esac
    if [ "${#found}" -ne 64 ]; then
        echo "error: $sums's line for $1 is not one SHA-256" >&2
        return 1
    fi
    printf '%s\n' "$found"
}

aarch64=$(hash_of ascert-aarch64-apple-darwin.tar.gz)
x86_64=$(hash_of ascert-x86_64-apple-darwin.tar.gz)
sed -e "s/@VERSION@/$version/g" \
    -e "s/@SHA256_AARCH64@/$aarch64/g" \
    -e "s/@SHA256_X86_64@/$x86_64/g" \
    "$template"
