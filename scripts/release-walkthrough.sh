#!/usr/bin/env bash
# Walk-through of `relman release` on a generated 3-crate workspace (docs/release.md).
set -euo pipefail
RELMAN=${RELMAN:-relman}
W=$(mktemp -d)
cd "$W"
export CARGO_HOME=$W/cargo-home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$W/gitconfig
export CARGO_REGISTRIES_LOCAL_TOKEN=walkthrough
printf '[user]\n\tname = Ada Park\n\temail = ada@example.org\n[init]\n\tdefaultBranch = main\n' > gitconfig
# 1. A crate registry on localhost and a bare remote.
cargo-http-registry --addr 127.0.0.1:0 registry >/dev/null 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID' EXIT
until [ -s registry/config.json ]; do sleep 0.1; done
API=$(python3 -c 'import json;print(json.load(open("registry/config.json"))["api"])')
mkdir -p cargo-home && printf '[registries.local]\nindex = "file://%s/registry"\n' "$W" > cargo-home/config.toml
git init -q --bare remote.git
# 2. The workspace: core <- api <- cli, each depending on the previous by path and version.
mkdir -p shop && cd shop
cat > Cargo.toml <<'TOML'
[workspace]
members = ["core", "api", "cli"]
resolver = "2"

[workspace.package]
edition = "2021"
license = "MIT"
TOML
for c in core api cli; do
  mkdir -p $c/src
  dep=""
  [ $c = api ] && dep='core = { path = "../core", version = "0.1.0", registry = "local" }'
  [ $c = cli ] && dep='api = { path = "../api", version = "0.1.0", registry = "local" } # the HTTP layer'
  printf '[package]\nname = "%s"\nversion = "0.1.0"\ndescription = "the %s crate"\nedition.workspace = true\nlicense.workspace = true\n\n[dependencies]\n%s\n' $c $c "$dep" > $c/Cargo.toml
  echo "pub fn name() -> &'static str { \"$c\" }" > $c/src/lib.rs
done
printf '/target\n/.relman\n' > .gitignore
cat > relman.toml <<TOML
[release]
registry = "local"
index = "$API/crates"
TOML
cargo generate-lockfile --offline -q
git init -q && git add -A && git commit -q -m "feat: a shop in three crates"
git tag core-v0.1.0 && git tag api-v0.1.0 && git tag cli-v0.1.0
echo "pub fn price() -> u32 { 42 }" >> core/src/lib.rs
git commit -qam "feat(core): prices"
echo "// retries" >> api/src/lib.rs
git commit -qam "fix(api): retry on reset connections"
git remote add origin "$W/remote.git" && git push -q origin main --tags
# 3. Plan, then the change request: opened from the plan, assessed, submitted, approved, scheduled.
echo '$ relman plan --output target/plan'
$RELMAN plan --output target/plan | sed -n '1,12p'
$RELMAN env init --environments production --state .relman/state >/dev/null
CR=$($RELMAN change new --plan target/plan/release-plan.json --format json | python3 -c 'import json,sys;print(json.load(sys.stdin)["change_request"]["id"])')
$RELMAN change assess "$CR" --plan target/plan/release-plan.json >/dev/null
$RELMAN change submit "$CR" >/dev/null
$RELMAN change approve "$CR" --by bob --plan target/plan/release-plan.json >/dev/null
$RELMAN change schedule "$CR" --start "$(date -u -d '-1 hour' +%FT%TZ)" --finish "$(date -u -d '+1 day' +%FT%TZ)" >/dev/null
echo '$ relman release --plan target/plan/release-plan.json --dry-run'
$RELMAN release --plan target/plan/release-plan.json --dry-run
echo '$ relman release --plan target/plan/release-plan.json'
time $RELMAN release --plan target/plan/release-plan.json
echo '$ relman release --plan target/plan/release-plan.json   # again'
$RELMAN release --plan target/plan/release-plan.json
echo '$ git log --oneline -n 2 && git tag --list'
git log --oneline -n 2
git tag --list
echo '$ git diff HEAD~1 -- cli/Cargo.toml'
git diff HEAD~1 -- cli/Cargo.toml
echo '$ cat core/CHANGELOG.md'
cat core/CHANGELOG.md
echo '$ cat registry/co/re/core   # the registry index lists each version once'
python3 -c 'import json,sys;[print(json.loads(l)["name"], json.loads(l)["vers"]) for l in open(sys.argv[1])]' "$W/registry/co/re/core"
