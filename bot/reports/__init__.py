"""Reports of the service (issue 17): the dashboard's figures, its charts, the tables they
make, and the files (XLSX, CSV, PNG) the web console, `python -m bot report` and the
weekly report write of them."""
