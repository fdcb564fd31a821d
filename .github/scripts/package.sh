#!/bin/sh
# Packs one release archive of ascert: OUTDIR/ascert-TARGET.tar.gz, whose single top-level folder
# ascert-TARGET/ holds the binary (as `ascert`, mode 755), README.md, LICENSE-APACHE and
# LICENSE-MIT from the repository root, and OUTDIR/ascert-TARGET.tar.gz.sha256, one line in
# sha256sum's format. Asset names carry no version, so that /releases/latest/download/ASSET works.
#
# Usage: package.sh BINARY TARGET OUTDIR
#
# .github/workflows/release.yml runs it on every build runner, and `cargo xtask release-check`
# (xtask/src/release.rs) runs it here; POSIX sh, GNU or BSD tar, sha256sum or shasum.
set -eu

if [ "$#" -ne 3 ]; then
    echo "usage: $0 BINARY TARGET OUTDIR" >&2
    exit 2
fi
binary=$1
target=$2
outdir=$3

root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)

case "$target" in
    '' | *[!A-Za-z0-9_.-]*)
        echo "error: $target is not a target triple" >&2
        exit 2
        ;;
esac
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
    echo "error: $binary is not an executable file" >&2
    exit 1
fi
for file in README.md LICENSE-APACHE LICENSE-MIT; do
    if [ ! -f "$root/$file" ]; then
        echo "error: $root/$file is missing" >&2
        exit 1
    fi
done

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1"
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1"
    else
        echo "error: neither sha256sum nor shasum is installed" >&2
        return 1
    fi
}

name="ascert-$target"
mkdir -p "$outdir"
outdir=$(CDPATH='' cd -- "$outdir" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir "$stage/$name"
cp "$binary" "$stage/$name/ascert"
chmod 755 "$stage/$name/ascert"
cp "$root/README.md" "$root/LICENSE-APACHE" "$root/LICENSE-MIT" "$stage/$name/"
chmod 644 "$stage/$name/README.md" "$stage/$name/LICENSE-APACHE" "$stage/$name/LICENSE-MIT"

# Owned by root in the archive, whoever packed it: GNU tar and bsdtar (macOS) spell it differently.
# COPYFILE_DISABLE keeps macOS's tar from adding ._ files of extended attributes.
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    owner="--owner=0 --group=0 --numeric-owner"
else
    owner="--uid 0 --gid 0"
fi
rm -f "$outdir/$name.tar.gz" "$outdir/$name.tar.gz.sha256"
# $owner is split into its words on purpose.
# shellcheck disable=SC2086
(cd "$stage" && COPYFILE_DISABLE=1 tar $owner -czf "$outdir/$name.tar.gz" "$name")
(cd "$outdir" && sha256 "$name.tar.gz" >"$name.tar.gz.sha256")
echo "packed $outdir/$name.tar.gz" >&2
