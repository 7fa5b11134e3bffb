#!/usr/bin/env bash
# The figures of docs/history-index.md: `relman plan`, `risk --repo`, `report`, `bump` and
# `changelog` on a generated history, cold, warm and after one new commit, beside `git log`.
#
#   python3 ../shared/scripts/make-history.py /tmp/h100k --commits 100000 --seed 3
#   cargo build --release -p relman-cli
#   scripts/measure-history-index.sh target/release/relman /tmp/h100k [rounds]
#
# Prints one line per measurement: name, seconds, peak KB. Adds commits to HISTORY.
set -euo pipefail
relman=$(realpath "$1")
cd "$2"
rounds=${3:-3}
start="--start 2026-12-07T09:00:00Z"
t() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
# A commit dated one minute after HEAD: the history grows as it does between two runs.
newcommit() {
  local at=$(( $(git log -1 --format=%ct) + 60 ))
  echo "$1" >> README.md
  git add -A
  GIT_COMMITTER_DATE="$at +0000" GIT_AUTHOR_DATE="$at +0000" \
    git -c user.name=Measure -c user.email=measure@example.org commit -qm "fix: $1"
}
echo "commits $(git rev-list --count HEAD) tags $(git tag | wc -l)"
for i in $(seq "$rounds"); do
  echo "git-log $(t git log)"
  echo "git-numstat $(t git log --numstat)"
  rm -rf .git/relman; echo "plan-cold $(t "$relman" plan --format json $start)"
  echo "plan-warm $(t "$relman" plan --format json $start)"
  newcommit "p$i"; echo "plan-one-new $(t "$relman" plan --format json $start)"
  echo "plan-noindex $(t "$relman" --no-index plan --format json $start)"
  rm -rf .git/relman; echo "risk-cold $(t "$relman" risk --repo . --format json)"
  echo "risk-warm $(t "$relman" risk --repo . --format json)"
  newcommit "r$i"; echo "risk-one-new $(t "$relman" risk --repo . --format json)"
  echo "risk-noindex $(t "$relman" --no-index risk --repo . --format json)"
  "$relman" report > /dev/null 2>&1; newcommit "q$i"; echo "report-one-new $(t "$relman" report)"
  "$relman" bump > /dev/null 2>&1; newcommit "b$i"; echo "bump-one-new $(t "$relman" bump)"
  echo "changelog $(t "$relman" changelog)"
done
