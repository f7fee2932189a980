"""What runs inside a project's Jupyter server, not in Datadive.

Nothing here imports the app or the database: the server loads these modules in its own
process. `identity` logs browsers in through one-time codes signed by Datadive (never `?token=`
URLs) and forgets members Datadive revokes; `hub_authenticator` does the same for JupyterHub
(loaded by the Hub, not a server); `login_codes` and `launch` are the two formats that Datadive
and the server share.
"""
