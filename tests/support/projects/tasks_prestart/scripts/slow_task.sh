#! /usr/bin/env bash
# A task that takes its time in a child process (the tests stop the server meanwhile).
set -e
python app/slow_child.py "$1"
