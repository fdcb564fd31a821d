#!/usr/bin/env bash
# Prints the shell block a markdown file marks as the one CI runs, so that CI runs the documented
# recipe as it stands instead of a copy that drifts from it.
#
# Usage: extract-recipe.sh FILE.md [MARKER]
#
# The block is the first ```sh fenced block after a line that is exactly MARKER (by default the
# marker docs/keychain.md carries for .github/workflows/macos.yml). Fails, saying why, when the
# marker is missing or given twice, or when no complete, non-empty ```sh block follows it: a
# recipe CI cannot find must fail the job, not pass it by running nothing.
set -euo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
    echo "usage: $0 FILE.md [MARKER]" >&2
    exit 2
fi
file="$1"
marker="${2:-<!-- ci-recipe: .github/workflows/macos.yml runs this block as it stands -->}"

if [ ! -r "$file" ]; then
    echo "error: cannot read $file" >&2
    exit 1
fi

# awk exits 3 (no marker), 4 (two markers), 5 (no ```sh block after it), 6 (block not closed)
# or 7 (empty block); only a block found whole is printed, so a failure prints nothing.
status=0
awk -v marker="$marker" '
    # Markdown files written on Windows end lines in CR LF: compare without the CR.
    { sub(/\r$/, "") }
    $0 == marker { markers++; seen = 1; next }
    seen && !opened && $0 == "```sh" { opened = 1; next }
    opened && !closed && $0 == "```" { closed = 1; next }
    opened && !closed { block[++lines] = $0 }
    END {
        if (markers > 1) exit 4
        if (!seen) exit 3
        if (!opened) exit 5
        if (!closed) exit 6
        if (lines == 0) exit 7
        for (i = 1; i <= lines; i++) print block[i]
    }
' "$file" || status=$?

case "$status" in
    0) ;;
    3) echo "error: $file has no line that is exactly: $marker" >&2 ;;
    4) echo "error: $file has the marker more than once: $marker" >&2 ;;
    5) echo "error: no \`\`\`sh block follows the marker in $file" >&2 ;;
    6) echo "error: the \`\`\`sh block after the marker in $file is not closed" >&2 ;;
    7) echo "error: the \`\`\`sh block after the marker in $file is empty" >&2 ;;
    *) echo "error: awk failed on $file (status $status)" >&2 ;;
esac
exit "$status"
