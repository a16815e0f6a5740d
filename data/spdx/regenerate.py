#!/usr/bin/env python3
"""Writes licenses.tsv from the SPDX License List's JSON files.

    python3 data/spdx/regenerate.py LICENSES_JSON EXCEPTIONS_JSON

LICENSES_JSON / EXCEPTIONS_JSON are `licenses.json` and `exceptions.json` of
spdx/license-list-data (json/), or the copies lib4sbom ships as
`lib4sbom/license_data/spdx_licenses.json` / `spdx_exceptions.json`
(`pip download --no-deps lib4sbom`). One row per identifier:
`id <TAB> kind <TAB> name`, kind = license | deprecated | exception.
"""
import json
import sys

lic = json.load(open(sys.argv[1], encoding="utf-8"))
exc = json.load(open(sys.argv[2], encoding="utf-8"))
rows = []
for l in lic["licenses"]:
    kind = "deprecated" if l.get("isDeprecatedLicenseId") else "license"
    rows.append((l["licenseId"], kind, l["name"]))
for e in exc["exceptions"]:
    rows.append((e["licenseExceptionId"], "exception", e["name"]))
rows.sort(key=lambda r: r[0].lower())
with open(sys.argv[3] if len(sys.argv) > 3 else "licenses.tsv", "w", encoding="utf-8") as out:
    out.write(f"# SPDX License List {lic['licenseListVersion']} ({lic.get('releaseDate', '')})\n")
    for r in rows:
        assert "\t" not in "".join(r) and "\n" not in "".join(r)
        out.write("\t".join(r) + "\n")
print(len(rows), "identifiers, list version", lic["licenseListVersion"])
