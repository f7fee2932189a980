// Datadive's page behaviour: small modules, no build step. htmx does the requests.
import { installToasts } from "./toasts.js";
import { installFocus } from "./focus.js";
import { installCopyButtons } from "./copy.js";
import { fillResetToken } from "./reset-token.js";
import { installUploads } from "./uploads.js";

installToasts(document.body);
installFocus(document.body);
installCopyButtons(document);
fillResetToken(document);
installUploads(document.body);
