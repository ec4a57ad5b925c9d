/* static — serves the embedded files of static/ with a long cache lifetime. */
#include <string.h>

#include "util/assets.h"
#include "web/handlers.h"

static const char *static_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return "application/octet-stream";
    if (strcmp(dot, ".css") == 0) return "text/css; charset=utf-8";
    if (strcmp(dot, ".js") == 0) return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".svg") == 0) return "image/svg+xml";
    if (strcmp(dot, ".png") == 0) return "image/png";
    if (strcmp(dot, ".ico") == 0) return "image/x-icon";
    if (strcmp(dot, ".html") == 0) return "text/html; charset=utf-8";
    return "application/octet-stream";
}

/* Browsers ask for /favicon.ico whatever the page links: the same drawing as the page's icon. */
int web_favicon(req *r)
{
    size_t len = 0;
    const char *data = assets_get("static/favicon.svg", &len);
    if (!data) return web_fail(r, 404, "not_found", "文件不存在");
    return web_bytes(r, 200, "image/svg+xml", xstrndup(data, len), len);
}

int web_static(req *r)
{
    char *name = xasprintf("static/%s", web_param(r, 0));
    size_t len = 0;
    const char *data = strstr(name, "..") ? NULL : assets_get(name, &len);
    int rc;
    if (!data)
        rc = web_fail(r, 404, "not_found", "文件不存在");
    else
        rc = web_bytes(r, 200, static_type(name), xstrndup(data, len), len);
    free(name);
    return rc;
}
