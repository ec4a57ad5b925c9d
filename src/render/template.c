/* template — parse mustache-subset templates once into a tree, render them against jansson
 * values. See template.h for the syntax. The tree is never written after tpl_set_add, so any
 * number of threads may render from one set at once; each render keeps its state on its own. */
#include "render/template.h"

#include <stdint.h>
#include <string.h>

#include "util/assets.h"

/* Nesting deeper than this is a broken template, not a page: refusing it at parse time bounds
 * the render's recursion (sections × partial depth) so a hostile template cannot blow the stack. */
#define TPL_MAX_NESTING 64
#define TPL_MAX_PARTIAL_DEPTH 16
/* Partials can call each other several times per level, so depth alone does not bound work. */
#define TPL_MAX_VISITS 4000000L

typedef enum {
    NODE_ROOT,
    NODE_TEXT,
    NODE_VAR,
    NODE_RAW,
    NODE_SECTION,
    NODE_INVERTED,
    NODE_PARTIAL,
} node_kind;

typedef struct tpl_node {
    node_kind kind;
    int line;
    char *text; /* NODE_TEXT: the bytes; otherwise the tag's name as written (for closing) */
    size_t len;
    char **path; /* dotted name split at '.'; npath == 0 means "." (the current item) */
    size_t *off; /* where each segment starts in `text` */
    size_t npath;
    size_t namelen; /* length of the dotted name in `text` (without `=literal`) */
    char *literal;  /* sections with `name=literal`: the literal, else NULL */
    struct tpl_node **kids;
    size_t nkids, capkids;
} tpl_node;

typedef struct tpl {
    char *name;
    tpl_node *root;
} tpl;

struct tpl_set {
    tpl **items;
    size_t n, cap;
};

/* ==== Tree ==================================================================================== */

static tpl_node *node_new(node_kind kind, int line)
{
    tpl_node *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = line;
    return n;
}

static void node_add(tpl_node *parent, tpl_node *kid)
{
    if (parent->nkids == parent->capkids) {
        parent->capkids = parent->capkids ? parent->capkids * 2 : 8;
        parent->kids = xrealloc(parent->kids, parent->capkids * sizeof *parent->kids);
    }
    parent->kids[parent->nkids++] = kid;
}

static void node_free(tpl_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    for (size_t i = 0; i < n->npath; i++)
        free(n->path[i]);
    free(n->path);
    free(n->off);
    free(n->kids);
    free(n->text);
    free(n->literal);
    free(n);
}

static void tpl_free_one(tpl *t)
{
    if (!t) return;
    node_free(t->root);
    free(t->name);
    free(t);
}

/* ==== Parsing ================================================================================= */

typedef struct parser {
    const char *name;
    const char *src;
    size_t len;
    size_t pos;
    int line;
    char *err; /* first error, malloc'd */
} parser;

static void parse_fail(parser *p, int line, const char *what, const char *detail)
{
    if (p->err) return;
    p->err = xasprintf("template %s: line %d: %s%s%s", p->name, line, what, detail ? " " : "",
                       detail ? detail : "");
}

static int count_lines(const char *s, size_t n)
{
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') lines++;
    return lines;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A name is one or more segments of bytes other than space, braces and '.', joined by '.';
 * "." alone is the current item. Fills node->path/npath. Returns false when malformed. */
static bool parse_path(tpl_node *node, const char *s, size_t n)
{
    if (n == 0) return false;
    node->namelen = n;
    if (n == 1 && s[0] == '.') return true;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (is_space(s[i]) || s[i] == '{' || s[i] == '}' || s[i] == '\0') return false;
            continue;
        }
        if (i == start) return false; /* empty segment: "a..b", ".a", "a." */
        node->path = xrealloc(node->path, (node->npath + 1) * sizeof *node->path);
        node->off = xrealloc(node->off, (node->npath + 1) * sizeof *node->off);
        node->off[node->npath] = start;
        node->path[node->npath++] = xstrndup(s + start, i - start);
        start = i + 1;
    }
    return true;
}

/* Is the tag spanning [ts, te) alone on its line (only blanks around it)? If so, *line_start is
 * where its line begins and *next is just past its line's end (the newline included). */
static bool standalone(const parser *p, size_t ts, size_t te, size_t *line_start, size_t *next)
{
    size_t i = ts;
    while (i > 0 && (p->src[i - 1] == ' ' || p->src[i - 1] == '\t'))
        i--;
    if (i > 0 && p->src[i - 1] != '\n') return false;
    size_t j = te;
    while (j < p->len && (p->src[j] == ' ' || p->src[j] == '\t'))
        j++;
    if (j < p->len && p->src[j] == '\r' && j + 1 < p->len && p->src[j + 1] == '\n')
        j += 2;
    else if (j < p->len && p->src[j] == '\n')
        j++;
    else if (j < p->len)
        return false;
    *line_start = i;
    *next = j;
    return true;
}

static void add_text(tpl_node *parent, const char *s, size_t n, int line)
{
    if (n == 0) return;
    tpl_node *t = node_new(NODE_TEXT, line);
    t->text = xstrndup(s, n);
    t->len = n;
    node_add(parent, t);
}

static tpl_node *parse(parser *p)
{
    tpl_node *root = node_new(NODE_ROOT, 1);
    tpl_node *stack[TPL_MAX_NESTING + 1];
    size_t depth = 0;
    stack[0] = root;

    while (p->pos < p->len && !p->err) {
        const char *open = memmem(p->src + p->pos, p->len - p->pos, "{{", 2);
        size_t ts = open ? (size_t)(open - p->src) : p->len;
        int text_line = p->line;
        int tag_line = p->line + count_lines(p->src + p->pos, ts - p->pos);
        if (!open) {
            add_text(stack[depth], p->src + p->pos, p->len - p->pos, text_line);
            p->pos = p->len;
            break;
        }

        bool triple = ts + 2 < p->len && p->src[ts + 2] == '{';
        const char *close_mark = triple ? "}}}" : "}}";
        size_t body = ts + (triple ? 3 : 2);
        const char *close =
            body <= p->len ? memmem(p->src + body, p->len - body, close_mark, strlen(close_mark))
                           : NULL;
        if (!close) {
            parse_fail(p, tag_line, "unclosed tag", NULL);
            break;
        }
        size_t te = (size_t)(close - p->src) + strlen(close_mark);
        const char *c = p->src + body;
        size_t cn = (size_t)(close - c);

        char sigil = 0;
        if (!triple && cn > 0 && strchr("#^/>!&=", c[0])) {
            sigil = c[0];
            c++;
            cn--;
        }
        while (cn > 0 && is_space(c[0]))
            c++, cn--;
        while (cn > 0 && is_space(c[cn - 1]))
            cn--;

        /* Sections, closes, partials and comments alone on a line leave no blank line behind. */
        size_t text_end = ts, next = te;
        if (sigil && sigil != '&' && sigil != '=') {
            size_t ls, nx;
            if (standalone(p, ts, te, &ls, &nx)) text_end = ls, next = nx;
        }
        add_text(stack[depth], p->src + p->pos, text_end - p->pos, text_line);
        p->line = tag_line + count_lines(p->src + ts, next - ts);
        p->pos = next;

        if (sigil == '!') continue;
        if (sigil == '=') {
            parse_fail(p, tag_line, "delimiter changes are not supported", NULL);
            break;
        }

        char *tagname = xstrndup(c, cn);
        if (sigil == '/') {
            if (depth == 0) {
                parse_fail(p, tag_line, "closing tag without an open section:", tagname);
            } else if (strcmp(stack[depth]->text, tagname) != 0) {
                char *d = xasprintf("'%s' (open section is '%s' from line %d)", tagname,
                                    stack[depth]->text, stack[depth]->line);
                parse_fail(p, tag_line, "mismatched closing tag", d);
                free(d);
            } else {
                depth--;
            }
            free(tagname);
            continue;
        }

        node_kind kind = triple || sigil == '&' ? NODE_RAW
                         : sigil == '#'         ? NODE_SECTION
                         : sigil == '^'         ? NODE_INVERTED
                         : sigil == '>'         ? NODE_PARTIAL
                                                : NODE_VAR;
        tpl_node *n = node_new(kind, tag_line);
        n->text = tagname;
        n->len = cn;
        bool ok;
        if (kind == NODE_PARTIAL) {
            ok = cn > 0 && !memchr(c, '\0', cn);
        } else {
            const char *eq =
                (kind == NODE_SECTION || kind == NODE_INVERTED) ? memchr(c, '=', cn) : NULL;
            size_t namelen = eq ? (size_t)(eq - c) : cn;
            ok = parse_path(n, c, namelen);
            if (eq) n->literal = xstrndup(eq + 1, cn - namelen - 1);
        }
        node_add(stack[depth], n);
        if (!ok) {
            parse_fail(p, tag_line, "bad tag name:", tagname);
            break;
        }
        if (kind == NODE_SECTION || kind == NODE_INVERTED) {
            if (depth == TPL_MAX_NESTING) {
                parse_fail(p, tag_line, "sections nested too deeply", NULL);
                break;
            }
            stack[++depth] = n;
        }
    }
    if (!p->err && depth > 0) {
        char *d = xasprintf("'%s' opened on line %d", stack[depth]->text, stack[depth]->line);
        parse_fail(p, stack[depth]->line, "unclosed section", d);
        free(d);
    }
    if (p->err) {
        node_free(root);
        return NULL;
    }
    return root;
}

/* ==== The set ================================================================================= */

tpl_set *tpl_set_new(void)
{
    return xcalloc(1, sizeof(tpl_set));
}

void tpl_set_free(tpl_set *set)
{
    if (!set) return;
    for (size_t i = 0; i < set->n; i++)
        tpl_free_one(set->items[i]);
    free(set->items);
    free(set);
}

static const tpl *set_find(const tpl_set *set, const char *name, size_t n)
{
    for (size_t i = 0; i < set->n; i++)
        if (strlen(set->items[i]->name) == n && memcmp(set->items[i]->name, name, n) == 0)
            return set->items[i];
    return NULL;
}

bool tpl_set_has(const tpl_set *set, const char *name)
{
    return set_find(set, name, strlen(name)) != NULL;
}

int tpl_set_add(tpl_set *set, const char *name, const char *src, size_t len, char **err)
{
    parser p = {.name = name, .src = src, .len = len, .line = 1};
    tpl_node *root = parse(&p);
    if (!root) {
        if (err)
            *err = p.err;
        else
            free(p.err);
        return -1;
    }
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->items[i]->name, name) == 0) {
            node_free(set->items[i]->root);
            set->items[i]->root = root;
            return 0;
        }
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 16;
        set->items = xrealloc(set->items, set->cap * sizeof *set->items);
    }
    tpl *t = xmalloc(sizeof *t);
    t->name = xstrdup(name);
    t->root = root;
    set->items[set->n++] = t;
    return 0;
}

static const tpl_node *first_missing_partial(const tpl_set *set, const tpl_node *n)
{
    if (n->kind == NODE_PARTIAL && !set_find(set, n->text, n->len)) return n;
    for (size_t i = 0; i < n->nkids; i++) {
        const tpl_node *m = first_missing_partial(set, n->kids[i]);
        if (m) return m;
    }
    return NULL;
}

int tpl_set_check(const tpl_set *set, char **err)
{
    for (size_t i = 0; i < set->n; i++) {
        const tpl_node *m = first_missing_partial(set, set->items[i]->root);
        if (m) {
            if (err)
                *err = xasprintf("template %s: line %d: unknown partial '%s'", set->items[i]->name,
                                 m->line, m->text);
            return -1;
        }
    }
    return 0;
}

tpl_set *tpl_set_load_assets(char **err)
{
    static const char prefix[] = "templates/", suffix[] = ".html";
    const size_t plen = sizeof prefix - 1, slen = sizeof suffix - 1;
    tpl_set *set = tpl_set_new();
    for (const assets_file *f = assets_files; f->name; f++) {
        size_t n = strlen(f->name);
        if (n <= plen + slen || strncmp(f->name, prefix, plen) != 0 ||
            strcmp(f->name + n - slen, suffix) != 0)
            continue;
        char *base = xstrndup(f->name + plen, n - plen - slen);
        int rc = tpl_set_add(set, base, f->data, f->len, err);
        free(base);
        if (rc != 0) goto fail;
    }
    if (tpl_set_check(set, err) != 0) goto fail;
    return set;
fail:
    tpl_set_free(set);
    return NULL;
}

/* ==== Rendering =============================================================================== */

/* A context frame: a jansson value, or a flat row of named strings (tpl_render_row). */
typedef struct frame {
    const json_t *json;
    const tpl_row *row;
} frame;

/* What a name resolves to: a jansson value, or a string of a row (NULL: missing). */
typedef struct value {
    const json_t *json;
    const char *str;
} value;

typedef struct render_state {
    const tpl_set *set;
    sbuf *out;
    frame *stack; /* contexts, innermost last: `local` until deeper than it */
    frame local[16];
    size_t depth, cap;
    long visits_left;
    int partial_depth;
    bool failed;
} render_state;

/* Which bytes need a character reference: a table, so the common case (Chinese text, which
 * never contains these ASCII bytes) is one load and test per byte, copied in one run. */
static const char *const tpl_refs[256] = {
    ['&'] = "&amp;",  ['<'] = "&lt;",  ['>'] = "&gt;", ['"'] = "&quot;",
    ['\''] = "&#39;", ['`'] = "&#96;", ['\0'] = "", /* a NUL has no place in HTML; drop it */
};

void tpl_escape(sbuf *out, const char *s, size_t n)
{
    sbuf_reserve(out, n);
    size_t run = 0; /* bytes copied in one append instead of one by one */
    for (size_t i = 0; i < n; i++) {
        const char *rep = tpl_refs[(unsigned char)s[i]];
        if (!rep) continue;
        sbuf_append(out, s + run, i - run);
        sbuf_puts(out, rep);
        run = i + 1;
    }
    sbuf_append(out, s + run, n - run);
}

static void push_frame(render_state *st, const json_t *v, const tpl_row *row)
{
    if (st->depth == st->cap) {
        st->cap *= 2;
        frame *grown = xmalloc(st->cap * sizeof *grown);
        memcpy(grown, st->stack, st->depth * sizeof *grown);
        if (st->stack != st->local) free(st->stack);
        st->stack = grown;
    }
    st->stack[st->depth++] = (frame){.json = v, .row = row};
}

static void push(render_state *st, const json_t *v)
{
    push_frame(st, v, NULL);
}

/* A row answers plain names only; a dotted name or `.` looks further out. */
static const char *row_get(const tpl_row *row, const tpl_node *n)
{
    if (n->npath != 1) return NULL;
    const char *name = n->path[0];
    for (size_t i = 0; i < row->n; i++) {
        const char *k = row->keys[i];
        if (k[0] == name[0] && strncmp(k, name, n->namelen) == 0 && k[n->namelen] == '\0')
            return row->vals[i];
    }
    return NULL;
}

static const json_t *array_index(const json_t *a, const char *seg)
{
    size_t i = 0;
    if (!*seg || strlen(seg) > 9) return NULL;
    for (const char *c = seg; *c; c++) {
        if (*c < '0' || *c > '9') return NULL;
        i = i * 10 + (size_t)(*c - '0');
    }
    return json_array_get(a, i);
}

/* The rest of a dotted name inside v, the value of its first segment. */
static const json_t *lookup_rest(const json_t *v, const tpl_node *n)
{
    /* Once the first segment is found, the rest resolves inside it only (mustache rule), so
     * `errors.name` never picks up an unrelated outer `name`. */
    for (size_t k = 1; k < n->npath && v; k++) {
        if (json_is_array(v)) { /* `items.0`: an index, so {{#items.0}} means "not empty" */
            v = array_index(v, n->path[k]);
            continue;
        }
        const json_t *next = json_object_get(v, n->path[k]);
        /* The API names nested fields flat ("kpis.operating_cost.before" in error.fields),
         * so a missing segment is retried as the rest of the name taken as one key. */
        if (!next && json_is_object(v))
            return json_object_getn(v, n->text + n->off[k], n->namelen - n->off[k]);
        v = next;
    }
    return v;
}

/* Frames are searched from the innermost out, rows and jansson values alike: a row's string
 * is found from inside a section opened over it as a jansson value's member is. */
static value lookup(const render_state *st, const tpl_node *n)
{
    if (n->npath == 0) return (value){.json = st->depth ? st->stack[st->depth - 1].json : NULL};
    for (size_t i = st->depth; i-- > 0;) {
        if (st->stack[i].row) {
            const char *s = row_get(st->stack[i].row, n);
            if (s) return (value){.str = s};
            continue;
        }
        const json_t *v = json_object_get(st->stack[i].json, n->path[0]);
        if (v) return (value){.json = lookup_rest(v, n)};
    }
    return (value){.json = NULL};
}

/* The text of a scalar into buf (size ≥ 32); returns its length, or -1 for a non-scalar. */
static int scalar_text(const json_t *v, char *buf, size_t size, const char **s)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        *s = json_string_value(v);
        return (int)json_string_length(v);
    case JSON_INTEGER:
        *s = buf;
        return snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        *s = buf;
        return snprintf(buf, size, "%.15g", json_real_value(v));
    case JSON_TRUE:
        *s = "true";
        return 4;
    case JSON_FALSE:
        *s = "false";
        return 5;
    default:
        return -1;
    }
}

static bool equals_literal(const json_t *v, const char *lit)
{
    if (!v) return false;
    if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i,
                           item) if (!json_is_array(item) && equals_literal(item, lit)) return true;
        return false;
    }
    char buf[64];
    const char *s;
    int n = scalar_text(v, buf, sizeof buf, &s);
    return n >= 0 && (size_t)n == strlen(lit) && memcmp(s, lit, (size_t)n) == 0;
}

static int value_text(value v, char *buf, size_t size, const char **s)
{
    if (v.str) {
        *s = v.str;
        return (int)strlen(v.str);
    }
    return v.json ? scalar_text(v.json, buf, size, s) : -1;
}

static bool truthy(const json_t *v)
{
    if (!v) return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return true;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    case JSON_TRUE:
        return true;
    default:
        return false;
    }
}

static void render_nodes(render_state *st, const tpl_node *parent);

static void render_value(render_state *st, value v, bool raw)
{
    char buf[64];
    const char *s;
    int n = value_text(v, buf, sizeof buf, &s);
    if (n <= 0) return;
    if (raw)
        sbuf_append(st->out, s, (size_t)n);
    else
        tpl_escape(st->out, s, (size_t)n);
}

/* A section over a row's string: present and non-empty renders once, in the same context. */
static void render_row_section(render_state *st, const tpl_node *n, const char *s)
{
    bool on = n->literal ? strcmp(s, n->literal) == 0 : *s != '\0';
    if (on == (n->kind == NODE_SECTION)) render_nodes(st, n);
}

static void render_section(render_state *st, const tpl_node *n)
{
    value found = lookup(st, n);
    if (found.str) {
        render_row_section(st, n, found.str);
        return;
    }
    const json_t *v = found.json;
    if (n->literal) {
        if (equals_literal(v, n->literal) == (n->kind == NODE_SECTION)) render_nodes(st, n);
        return;
    }
    if (n->kind == NODE_INVERTED) {
        if (!truthy(v)) render_nodes(st, n);
        return;
    }
    if (!truthy(v)) return;
    if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item)
        {
            if (st->failed) return;
            push(st, item);
            render_nodes(st, n);
            st->depth--;
        }
    } else if (json_is_true(v)) {
        render_nodes(st, n);
    } else {
        push(st, v);
        render_nodes(st, n);
        st->depth--;
    }
}

static void render_partial(render_state *st, const tpl_node *n)
{
    const tpl *t = set_find(st->set, n->text, n->len);
    if (!t) return;
    if (st->partial_depth >= TPL_MAX_PARTIAL_DEPTH) {
        st->failed = true;
        return;
    }
    st->partial_depth++;
    render_nodes(st, t->root);
    st->partial_depth--;
}

static void render_nodes(render_state *st, const tpl_node *parent)
{
    for (size_t i = 0; i < parent->nkids && !st->failed; i++) {
        const tpl_node *n = parent->kids[i];
        if (--st->visits_left < 0) {
            st->failed = true;
            return;
        }
        switch (n->kind) {
        case NODE_TEXT:
            sbuf_append(st->out, n->text, n->len);
            break;
        case NODE_VAR:
            render_value(st, lookup(st, n), false);
            break;
        case NODE_RAW:
            render_value(st, lookup(st, n), true);
            break;
        case NODE_SECTION:
        case NODE_INVERTED:
            render_section(st, n);
            break;
        case NODE_PARTIAL:
            render_partial(st, n);
            break;
        case NODE_ROOT:
            break;
        }
    }
}

int tpl_render(const tpl_set *set, const char *name, const json_t *ctx, sbuf *out)
{
    return tpl_render_row(set, name, ctx, NULL, out);
}

int tpl_render_row(const tpl_set *set, const char *name, const json_t *ctx, const tpl_row *row,
                   sbuf *out)
{
    const tpl *t = set_find(set, name, strlen(name));
    if (!t) return -1;
    render_state st = {.set = set, .out = out, .visits_left = TPL_MAX_VISITS};
    st.stack = st.local;
    st.cap = sizeof st.local / sizeof st.local[0];
    if (ctx) push(&st, ctx);
    if (row) push_frame(&st, NULL, row);
    render_nodes(&st, t->root);
    if (st.stack != st.local) free(st.stack);
    return st.failed ? -1 : 0;
}
