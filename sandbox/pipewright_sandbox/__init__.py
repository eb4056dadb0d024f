"""Pipewright's sandbox: moto (pinned) plus the parts of AWS the lecture needs that moto lacks."""
