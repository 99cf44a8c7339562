"""The CLI's command groups: parse arguments, call one function, print the result."""
