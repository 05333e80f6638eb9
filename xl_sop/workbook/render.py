"""Pictures of the workbook: LibreOffice (headless) renders it to PDF, pdftoppm turns each sheet's first page into a PNG.

    python -m xl_sop.workbook.render workbook/SOP_Template.xlsm docs/images

Needs soffice (LibreOffice) and pdftoppm/pdftotext (poppler-utils) on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xl_sop.errors import ExternalToolError
from xl_sop.workbook import schema


def to_pdf(workbook: Path, out_dir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ExternalToolError("LibreOffice (soffice) is not installed: it renders the workbook to PDF")
    profile = Path(tempfile.mkdtemp(prefix="xl-sop-lo-"))
    try:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out_dir), str(workbook)], check=True, capture_output=True, timeout=300)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = Path(out_dir) / (Path(workbook).stem + ".pdf")
    if not pdf.exists():
        raise ExternalToolError(f"LibreOffice could not render {workbook}")
    return pdf


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")


def _opens_with(page: str, title: str) -> bool:
    """The page starts with the sheet's title (A1), under the page header line if it has one."""
    lines = [line.strip() for line in page.splitlines() if line.strip()][:2]
    return any(line.startswith(title) for line in lines)


def sheet_pictures(workbook: Path, out_dir: Path, resolution: int = 70) -> list[Path]:
    """One PNG per sheet with a title: the first page on which that title appears."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = to_pdf(Path(workbook), Path(tmp))
        pages = page_texts(pdf)
        written = []
        for sheet in schema.SHEETS:
            if not sheet.title or sheet.hidden:
                continue
            page = next((i for i, text in enumerate(pages, start=1) if _opens_with(text, sheet.title)), None)
            if page is None:
                continue
            name = re.sub(r"[^a-z0-9]+", "-", sheet.name.lower()).strip("-")
            target = out_dir / f"sheet-{name}"
            subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(resolution), "-png", "-singlefile",
                            str(pdf), str(target)], check=True, capture_output=True)
            written.append(target.with_suffix(".png"))
        return written


if __name__ == "__main__":
    for path in sheet_pictures(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
