"""A suite run as JUnit XML (``junitparser``, the well-kept reader and writer CI tools accept).

One testsuite per case; one testcase per report check, budget and tracked figure. A breached
limit or a regression is a ``failure`` whose message carries the value, the limit, the baseline
and p; a run that could not measure is an ``error``. Suite properties name the probe's version
and the machine.
"""

from __future__ import annotations

from pathlib import Path

from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from probe.errors import InputError
from probe.render.bench_text import limited_text, tracked_text
from probe.suite.result import SuiteResult


def write_junit(result: SuiteResult, path: Path) -> None:
    """Write ``result`` as JUnit XML to ``path``."""
    xml = JUnitXml(name=f"streamprobe bench {result.name}")
    for case in result.cases:
        suite = TestSuite(case.name)
        for key, value in result.properties.items():
            suite.add_property(key, value)
        for item in case.limited:
            test = TestCase(f"{item.kind} {item.name}", classname=case.name)
            if item.status == "fail":
                test.result = [Failure(limited_text(item), type_=f"{item.kind}_breached")]
            else:
                test.system_out = f"{item.status}: {limited_text(item)}"
            suite.add_testcase(test)
        for tracked in case.tracked:
            test = TestCase(f"regression {tracked.path}", classname=case.name)
            if tracked.comparison is not None and tracked.comparison.regression:
                test.result = [Failure(tracked_text(tracked), type_="regression")]
            else:
                test.system_out = tracked_text(tracked)
            suite.add_testcase(test)
        for index, error in enumerate(case.errors, start=1):
            test = TestCase(f"run {index} could not measure", classname=case.name)
            test.result = [Error(error, type_="cannot_measure")]
            suite.add_testcase(test)
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    try:
        xml.write(str(path), pretty=True)
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror}") from err

