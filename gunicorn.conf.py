"""gunicorn's settings read from the project directory (gunicorn loads
``./gunicorn.conf.py`` by itself; the command line still wins).

The access log, when it is switched on (``--access-logfile -`` in
docker-compose.yml), writes the path without its query string: a query may
carry an IIN (``?iin=``) or a name, and the portal's log masking
(``applicants.logging``) never sees gunicorn's own lines.
"""

# Client, time, method and path (%(U)s: no query string), status, bytes,
# seconds taken, user agent.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)s "%(a)s"'
