#!/usr/bin/env python3
"""Entry-level recall of `relman changelog` against a maintainers' CHANGELOG.md.

For each (repository, changelog file, previous tag, tag, heading version) it reads the
maintainers' entries of that version (top-level `-`/`*` list items of its `## ` section, with
their continuation lines), runs `relman changelog --range PREV..TAG --format json` and takes
the release whose tag is TAG. A maintainers' entry is matched when a relman entry of that
release
  1. names the same commit (a 7+ hex-digit hash in the entry is a prefix of the entry's id), or
  2. shares a PR/issue number (`#123`, `/pull/123`, `/issues/123`), or
  3. says nearly the same thing: the word sets (lowercase, alphanumeric, stop words and words
     under 3 letters dropped) have Jaccard similarity >= 0.5, or all words of the shorter one
     (at least 3 words) are in the other;
  4. or it is a dependency update ("bump"/"update"/"upgrade" ... "to"/"from" a version, or a
     `deps` scope) and relman counted dependency updates in that release (the collapsed line).
Recall = matched / maintainers' entries. Rule 4 matches are reported separately.

Usage: changelog-recall.py RELMAN_BINARY [--config FILE] < cases.tsv
cases.tsv: repo<TAB>changelog<TAB>prev_tag<TAB>tag<TAB>version[<TAB>component[<TAB>all]]
(`all`: take every release relman cuts from the range, for ranges a stray tag splits).
Maintainers' entries are top-level list items and, for knope's format, `####` headings of
three words or more.
"""

import json
import re
import subprocess
import sys

STOP = set("the and for with from into that this when are was were has have not but its".split())


def words(text):
    text = re.sub(r"\]\([^)]*\)", "]", text)  # drop link targets
    text = re.sub(r"https?://\S+", " ", text)
    return {w for w in re.findall(r"[a-z0-9_]+", text.lower()) if len(w) >= 3 and w not in STOP}


def numbers(text):
    return set(re.findall(r"(?:#|/pull/|/issues/)(\d+)", text))


def hashes(text):
    return {h.lower() for h in re.findall(r"\b[0-9a-f]{7,40}\b", text)}


def is_dependency(text):
    t = text.lower()
    return bool(
        re.search(r"\b(bump|update|upgrade)s?\b.*\b(to|from)\b\s*v?\d", t)
        or re.search(r"\(\*{0,2}deps?\*{0,2}\)|\bdeps\b", t)
    )


def maintainer_entries(path, version):
    lines = open(path, encoding="utf-8").read().splitlines()
    head = re.compile(r"^##\s+\[?v?" + re.escape(version) + r"\]?(\s|\(|$|\])")
    start = next((i for i, l in enumerate(lines) if head.match(l)), None)
    if start is None:
        raise SystemExit(f"{path}: no section for {version}")
    entries = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if re.match(r"^[-*] ", line):
            entries.append(line[2:])
        elif line.startswith("#### ") and len(line[5:].split()) >= 3:
            # knope: one `####` heading per change (cocogitto's are type names: "Bug Fixes")
            entries.append(line[5:])
        elif entries and line.startswith("  ") and line.strip():
            entries[-1] += " " + line.strip()
        elif line.startswith("#") or not line.strip():
            if entries and not entries[-1].endswith("\n"):
                entries[-1] += "\n"
    return [e.strip() for e in entries]


def relman_release(binary, repo, prev, tag, component, config, union):
    cmd = [binary, "changelog", "--repo", repo, "--range", f"{prev}..{tag}", "--format", "json"]
    if component:
        cmd += ["--component", component]
    if config:
        cmd += ["--config", config]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    releases = json.loads(out)["releases"]
    if union:  # a stray tag inside the range splits it: take every release of the range
        return {
            "groups": [g for r in releases for g in r["groups"]],
            "dependency_updates": sum(r.get("dependency_updates", 0) for r in releases),
        }
    for release in releases:
        if release["tag"] == tag:
            return release
    raise SystemExit(f"relman gave no release {tag} for {repo}")


def matches(entry, release):
    nums, hs, ws = numbers(entry), hashes(entry), words(entry)
    for group in release["groups"]:
        for e in group["entries"]:
            if any(e["id"].startswith(h) for h in hs):
                return "hash"
            text = e["description"] + " " + " ".join(i["id"] for i in e["issues"])
            if nums & numbers(text):
                return "number"
            rw = words(e["description"])
            if ws and rw:
                small, big = (ws, rw) if len(ws) <= len(rw) else (rw, ws)
                if len(ws & rw) / len(ws | rw) >= 0.5 or (len(small) >= 3 and small <= big):
                    return "text"
    if release.get("dependency_updates", 0) > 0 and is_dependency(entry):
        return "collapsed"
    return None


def main():
    binary = sys.argv[1]
    config = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--config" else None
    totals = {}
    for row in sys.stdin:
        if not row.strip() or row.startswith("#"):
            continue
        cols = row.rstrip("\n").split("\t")
        repo, changelog, prev, tag, version = cols[:5]
        component = cols[5] if len(cols) > 5 and cols[5] else None
        union = len(cols) > 6 and cols[6] == "all"
        entries = maintainer_entries(f"{repo}/{changelog}", version)
        release = relman_release(binary, repo, prev, tag, component, config, union)
        kinds = [matches(e, release) for e in entries]
        hit = sum(k is not None for k in kinds)
        collapsed = sum(k == "collapsed" for k in kinds)
        listed = sum(len(g["entries"]) for g in release["groups"])
        name = repo.rstrip("/").split("/")[-1]
        print(f"{name}\t{version}\t{hit}/{len(entries)}\tcollapsed={collapsed}\trelman_entries={listed}")
        t = totals.setdefault(name, [0, 0, 0])
        t[0] += hit
        t[1] += len(entries)
        t[2] += collapsed
    for name, (hit, n, collapsed) in totals.items():
        share = 100 * hit / n if n else 0
        print(f"TOTAL\t{name}\t{hit}/{n}\t{share:.0f}%\tcollapsed={collapsed}")


if __name__ == "__main__":
    main()
