"""Held-out evaluation set for sohoa's extraction: a renderer written apart from the product.

It imports nothing from the product (no `samples`, `extractors`, `classifiers`, `pipeline`):
its layouts, value lists, fonts and degradations are its own; its wording comes from the
official blank templates in ../shared/realdata/vn-forms/templates/. See docs/evaluation.md.
"""
