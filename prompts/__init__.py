"""jinja2 templates for SKILL.md and the model prompts.

The wheel installs this folder as ``gan_triage.prompts``; the package code reads
the templates with importlib.resources.
"""
