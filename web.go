// The web page (WEB-01..07).
package main

import "net/http"

func (h *httpHandler) serveWeb(w http.ResponseWriter, r *http.Request) {
	httpError(w, http.StatusNotFound)
}
