# The oracle of tests/resolver/scenarios/differential_test.cpp: judges each case of a
# JSON-lines file with Python's `packaging` (what pip uses) and writes one
# answer per line. Usage: differential_oracle.py CASES ANSWERS
import json, sys
try:
    from packaging.version import Version
    from packaging.specifiers import SpecifierSet
    from packaging.requirements import Requirement
    import packaging
    origin = "packaging " + packaging.__version__
except ImportError:
    from pip._vendor.packaging.version import Version
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor import packaging
    origin = "pip._vendor.packaging " + packaging.__version__
import warnings
warnings.simplefilter("ignore")

def sign(x):
    return (x > 0) - (x < 0)

def attempt(f):
    try:
        return f()
    except Exception:
        return None

def version(c):
    try:
        v = Version(c["s"])
    except Exception:
        return {"ok": False}
    return {"ok": True, "s": str(v), "pre": v.is_prerelease, "post": v.is_postrelease,
            "public": v.public, "base": v.base_version}

def cmp(c):
    a, b = Version(c["a"]), Version(c["b"])
    return {"c": sign((a > b) - (a < b)), "eq": a == b}

def spec(c):
    try:
        s = SpecifierSet(c["s"])
    except Exception:
        return {"ok": False}
    return {"ok": True, "s": str(s),
            "in": attempt(lambda: s.contains(c["v"], prereleases=True)),
            "default": attempt(lambda: s.contains(c["v"]))}

def req(c):
    try:
        r = Requirement(c["s"])
    except Exception:
        return {"ok": False}
    out = {"ok": True, "name": r.name, "extras": sorted(r.extras), "spec": str(r.specifier),
           "url": r.url or "", "marker": r.marker is not None}
    if r.marker is not None:
        out["eval"] = attempt(lambda: r.marker.evaluate(c["env"]))
    return out

handlers = {"version": version, "cmp": cmp, "spec": spec, "req": req}
with open(sys.argv[1]) as inp, open(sys.argv[2], "w") as out:
    out.write(json.dumps({"origin": origin}) + "\n")
    for line in inp:
        c = json.loads(line)
        out.write(json.dumps(handlers[c["k"]](c)) + "\n")
