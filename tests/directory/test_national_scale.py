"""National scale: 20,000 institutions still find the right one (speed is in benchmarks/)."""

from __future__ import annotations

from benchmarks.bench_directory import national_directory
from directory import Directory, Institution


def test_twenty_thousand_institutions_still_find_the_right_one():
    generated = national_directory()
    assert len(generated) == 20_000
    assert national_directory()[:50] == generated[:50]  # seeded: the same every run
    real = Institution(id="kir-crb-kotelnich",
                       name="КОГБУЗ «Котельничская центральная районная больница»")
    d = Directory.from_institutions([*generated, real])
    assert len(d) == 20_001
    assert d.search("котельничская црб")[0].institution.id == "kir-crb-kotelnich"
    assert d.search("rjntkmybxcrfz црб")[0].institution.id == "kir-crb-kotelnich"
    assert d.search("абырвалг") == []
    assert all(len(d.search(q)) <= 5 for q in ("поликлиника 3", "фап", "онкодиспансер"))
