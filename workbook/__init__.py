"""The committed template, installed as the package ``xl_sop.templates`` (pyproject.toml maps this folder there).

So one file serves both: importlib.resources finds ``SOP_Template.xlsm`` here in a checkout and inside an
installed wheel alike (xl_sop.workbook.template).
"""
