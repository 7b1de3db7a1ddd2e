"""``import workbench`` stays light: pandera is imported when a schema is first used."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_workbench_does_not_import_pandera():
    assert _run("import workbench, workbench.data, workbench.data.contract, sys; "
                "print('pandera' in sys.modules)") == "False"


def test_schemas_import_pandera_on_first_use_and_still_validate():
    code = (
        "import sys, workbench as wb\n"
        "from workbench.data import RatingsSchema\n"
        "from workbench.data.contract import RosterSchema, RatingsSchema as R2\n"
        "import pandera.pandas as pa\n"
        "assert RatingsSchema is R2 and issubclass(RosterSchema, pa.DataFrameModel)\n"
        "ds = wb.read_sample('kota_contoh')\n"
        "assert ds.validate() is ds\n"
        "bad = ds.ratings.assign(indicator='Bad Name')\n"
        "try:\n"
        "    RatingsSchema.validate(bad)\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    assert _run(code) == "SchemaError"
    code = ("import sys, workbench\n"
            "try:\n"
            "    workbench.data.contract.NoSuchSchema\n"
            "except AttributeError:\n"
            "    print('pandera' in sys.modules)\n")
    assert _run(code) == "False"
