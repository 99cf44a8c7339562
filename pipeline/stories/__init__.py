"""Stories: Articles -> duplicates dropped, coverage of one event grouped and merged -> Stories."""
