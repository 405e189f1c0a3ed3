#!/usr/bin/env python3
"""check_format.py fails on a file .clang-format would lay out otherwise, and passes once it is laid out."""
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().with_name("check_format.py")
ROOT = Path(__file__).resolve().parents[2]


class Layout(unittest.TestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="parex-format-"))
        shutil.copy(ROOT / ".clang-format", self.root / ".clang-format")
        (self.root / "runner/base").mkdir(parents=True)
        shutil.copy(ROOT / "runner/base/files.cpp", self.root / "runner/base/files.cpp")
        self.clang_format = sys.argv[1] if len(sys.argv) > 1 else "clang-format"

    def tearDown(self):
        shutil.rmtree(self.root)

    def verdict(self):
        done = subprocess.run([sys.executable, str(SCRIPT), "--root", str(self.root), "--clang-format", self.clang_format],
                              capture_output=True, text=True)
        return done.returncode, done.stdout

    def test_a_laid_out_file_passes(self):
        code, out = self.verdict()
        self.assertEqual(code, 0, out)

    def test_a_file_laid_out_otherwise_fails(self):
        path = self.root / "runner/base/files.cpp"
        path.write_text(path.read_text().replace("namespace parex {", "namespace parex{\n  int   planted ;"))
        code, out = self.verdict()
        self.assertEqual(code, 1, out)
        self.assertIn("runner/base/files.cpp:", out)
        self.assertIn("1 of 1 files are not laid out as .clang-format says", out)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
