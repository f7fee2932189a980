// "Open in JupyterLab" on JupyterHub: post the one-time login form to the Hub at once (the
// button does the same without JavaScript).
document.querySelector("form[data-auto-submit]")?.submit();
