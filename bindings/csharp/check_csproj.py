#!/usr/bin/env python3
"""Checks bindings/csharp/RdpProbe.csproj where no .NET SDK can build it (run-tests.sh runs this).

    python3 check_csproj.py RdpProbe.csproj RdpProbe.cs -- MCS ARGS...

The project must be well-formed XML and an SDK-style project (``<Project Sdk="Microsoft.NET.Sdk">``,
no MSBuild 2003 namespace) that compiles exactly the source the mono build compiles, with the mono
build's settings (the mcs arguments run-tests.sh passes after ``--``: ``-langversion:``, ``-warn:``,
``-warnaserror``, ``-checked+``), XML docs, ``AllowUnsafeBlocks`` exactly when the source has
``unsafe`` code, nullable reference types only with a language version that has them, and the
native library (the source's ``[DllImport]`` name as ``lib<name>.so``) as a content item that is
copied to the output and packed under ``runtimes/<rid>/native/``. Prints what it checked; exits 1
with every problem found.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    csproj, source, mcs_args = Path(argv[0]), Path(argv[1]), argv[3:]
    problems: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    try:
        root = ET.parse(csproj).getroot()
    except ET.ParseError as e:
        print(f"{csproj}: not well-formed XML: {e}", file=sys.stderr)
        return 1

    expect(root.tag == "Project", f"root element is <{root.tag}>, not <Project>")
    expect(root.get("Sdk") == "Microsoft.NET.Sdk", f'<Project Sdk="{root.get("Sdk")}">, not Microsoft.NET.Sdk')
    expect("}" not in root.tag, "an SDK-style project has no xmlns (MSBuild 2003 namespace found)")

    # Unconditional properties (the last one wins, as in MSBuild), and every property's values.
    props: dict[str, str] = {}
    all_values: dict[str, list[tuple[str | None, str]]] = {}
    for group in root.iter("PropertyGroup"):
        for prop in group:
            value = (prop.text or "").strip()
            all_values.setdefault(prop.tag, []).append((prop.get("Condition"), value))
            if prop.get("Condition") is None and group.get("Condition") is None:
                props[prop.tag] = value

    def prop_is(name: str, want: str) -> None:
        got = props.get(name)
        expect(got is not None and got.lower() == want.lower(), f"<{name}> is {got!r}, expected {want!r}")

    frameworks = props.get("TargetFramework") or props.get("TargetFrameworks") or ""
    expect(bool(frameworks), "no <TargetFramework>")
    for tfm in filter(None, frameworks.split(";")):
        expect(re.fullmatch(r"netstandard2\.[01]|net[5-9]\.0|net1\d\.0", tfm) is not None, f"unexpected target framework {tfm!r}")

    # The mono build's settings.
    lang = next((a.split(":", 1)[1] for a in mcs_args if a.startswith("-langversion:")), None)
    expect(lang is not None, "run-tests.sh passed no -langversion: to compare with")
    if lang is not None:
        prop_is("LangVersion", lang)
    warn = next((a.split(":", 1)[1] for a in mcs_args if a.startswith("-warn:")), None)
    if warn is not None:
        prop_is("WarningLevel", warn)
    prop_is("TreatWarningsAsErrors", "true" if "-warnaserror" in mcs_args or "-warnaserror+" in mcs_args else "false")
    prop_is("CheckForOverflowUnderflow", "true" if "-checked+" in mcs_args or "-checked" in mcs_args else "false")
    prop_is("GenerateDocumentationFile", "true")
    prop_is("EnableDefaultCompileItems", "false")

    # Exactly the source the mono build compiles.
    compiled = [item.get("Include", "") for item in root.iter("Compile")]
    resolved = [(csproj.parent / c).resolve() for c in compiled]
    expect(resolved == [source.resolve()], f"<Compile> items {compiled}, expected only {source.name}")
    expect(source.is_file(), f"{source} is missing")
    text = source.read_text(encoding="utf-8")
    code = re.sub(r"//[^\n]*|/\*.*?\*/|@?\"(?:[^\"\\\n]|\\.)*\"", "", text, flags=re.S)

    # unsafe code and nullable annotations.
    has_unsafe = re.search(r"\bunsafe\b", code) is not None
    allow_unsafe = props.get("AllowUnsafeBlocks", "false").lower() == "true"
    expect(has_unsafe == allow_unsafe, f"AllowUnsafeBlocks={allow_unsafe} but the source {'has' if has_unsafe else 'has no'} unsafe code")
    nullable = props.get("Nullable", "disable").lower()
    if lang is not None and re.fullmatch(r"[0-7](\.\d+)?", lang):
        expect(nullable == "disable", f"<Nullable>{nullable}</Nullable> needs C# 8, the project says {lang}")
    expect(("#nullable enable" in code) <= (nullable != "disable"), "the source enables nullable annotations the project disables")

    # The native library: the DllImport name, as lib<name>.so, a copied and packed content item.
    imports = set()
    for arg in re.findall(r"DllImport\(\s*(\w+|\"[^\"]+\")", text):
        if arg.startswith('"'):
            imports.add(arg.strip('"'))
        else:
            imports.update(re.findall(r"const\s+string\s+" + arg + r"\s*=\s*\"([^\"]+)\"", text))
    expect(len(imports) == 1, f"expected one [DllImport] library name in {source.name}, found {sorted(imports)}")
    native = f"lib{sorted(imports)[0]}.so" if imports else "librdp_probe.so"
    name_defaults = [v for cond, v in all_values.get("RdpProbeNativeName", []) if cond and "IsOSPlatform" not in cond]
    expect(native in name_defaults, f"RdpProbeNativeName's default (no OS condition) is {name_defaults}, expected {native}")
    items = [
        item
        for tag in ("Content", "None")
        for item in root.iter(tag)
        if item.get("Include", "").endswith(("$(RdpProbeNativeName)", native))
    ]
    expect(len(items) == 1, f"expected one Content item for {native}, found {len(items)}")
    for item in items:
        expect(item.tag == "Content", f"{native} is a <{item.tag}> item, not <Content>")
        meta = {child.tag: (child.text or "").strip() for child in item}
        meta.update({k: v for k, v in item.attrib.items() if k not in ("Include", "Condition")})
        expect(meta.get("CopyToOutputDirectory") in ("PreserveNewest", "Always"), f"{native} is not copied to the output")
        expect(meta.get("Pack", "").lower() == "true", f"{native} is not packed")
        expect(re.fullmatch(r"runtimes/[^/]+/native/?", meta.get("PackagePath", "")) is not None,
               f"{native} is packed to {meta.get('PackagePath')!r}, not runtimes/RID/native/")
        expect(bool(item.get("Condition")), f"{native} has no Exists() condition: a build without it would fail")

    # Other files it packs exist.
    for item in root.iter("None"):
        include = item.get("Include", "")
        if "$(" not in include:
            expect((csproj.parent / include).is_file(), f"<None Include={include!r}>: no such file")

    if problems:
        for p in problems:
            print(f"{csproj}: {p}", file=sys.stderr)
        return 1
    print(
        f"{csproj.name}: SDK-style, {frameworks}, compiles {source.name} with LangVersion {lang}, "
        f"warnings as errors, checked, XML docs, unsafe {'on' if allow_unsafe else 'off'}, nullable {nullable}; "
        f"{native} copied to the output and packed under runtimes/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
