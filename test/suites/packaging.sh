# Packaging metadata agrees with itself: META.json (PGXN meta spec 1.0.0:
# required keys, a license string of the spec's list, SemVer versions,
# release status), the control file and LICENSE.  The full PGXN JSON Schema
# check of META.json was done once by hand (CHANGELOG, 1.2).
set -uo pipefail
cd "$GG_ROOT"
python3 - <<'PY' >>"$GG_RESULTS"
import json, re
ok = lambda name, cond, why="": print(("PASS" if cond else "FAIL") + " packaging:" + name + ("" if cond else " (" + why + ")"))
meta = json.load(open("META.json"))
control = open("goodgo_events.control").read()
default = re.search(r"^default_version *= *'([^']+)'", control, re.M).group(1)
semver = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
missing = [k for k in ("name", "version", "abstract", "maintainer", "license", "provides", "meta-spec") if k not in meta]
ok("meta-required-keys", not missing, "missing " + ", ".join(missing))
ok("meta-spec-1.0.0", meta.get("meta-spec", {}).get("version") == "1.0.0", str(meta.get("meta-spec")))
ok("meta-license-postgresql", meta.get("license") == "postgresql", repr(meta.get("license")))
ok("meta-release-status", meta.get("release_status", "stable") in ("stable", "testing", "unstable"), repr(meta.get("release_status")))
versions = [meta.get("version", "")] + [p.get("version", "") for p in meta.get("provides", {}).values()]
ok("meta-semver", all(semver.match(v) for v in versions), repr(versions))
ok("meta-version-is-control", meta.get("version") == default + ".0", meta.get("version", "") + " vs " + default)
p = meta.get("provides", {}).get("goodgo_events", {})
ok("meta-provides-file", p.get("file") == "sql/goodgo_events--%s.sql" % default, repr(p.get("file")))
lic = open("LICENSE").read() if __import__("os").path.exists("LICENSE") else ""
ok("license-file", "PostgreSQL License" in lic and "Permission to use, copy, modify, and distribute" in lic, "LICENSE")
ok("control-comment-license", re.search(r"^# .*PostgreSQL License", control, re.M) is not None, "control file")
PY
exit 0
