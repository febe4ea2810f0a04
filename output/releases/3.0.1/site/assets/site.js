/* The site's one script: the fact panel of a source page, the filters of concept and role pages,
 * and the search page. Each part starts only on a page that has what it needs.
 *
 * A page opened from file:// may not fetch a file: a source page embeds its facts as JSON
 * (#site-facts), and the search index is a script of its own (assets/search-index.js) that only
 * the search page loads. Every value is written with textContent, never as HTML, so no text of a
 * source can become markup.
 */
"use strict";
(function () {
  document.documentElement.classList.add("js");

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }

  /* The skip link: the browser moves the reading point to <main> by itself; focus goes there too, so
   * that the next Tab is the content's first stop. <main> is focusable only for that moment, so a click
   * in the page does not focus it (and move the reading point away from where the reader clicked). */
  function skipLink() {
    var skip = document.querySelector("a.skip"), main = document.getElementById("main");
    if (!skip || !main) { return; }
    skip.addEventListener("click", function () {
      main.tabIndex = -1;
      main.focus();
      main.addEventListener("blur", function () { main.removeAttribute("tabindex"); }, {once: true});
    });
  }

  /* The fact panel.
   *
   * Selecting a highlighted passage (tap, click, or Enter / Space on it) shows every fact covering it,
   * innermost first: beside the text on a wide screen, in a sheet at the bottom of a narrow one. Enter
   * moves focus into the panel; Escape or the Close button closes it and returns focus to the passage.
   * A URL ending in #<row id> selects that fact, scrolls to it and focuses it; any other fragment (a
   * line, #L57, or an id no fact has) clears the panel. A line of the text is one stop for Tab: the
   * arrow keys move between its highlights (left and right in reading order, Home and End), and up
   * and down to the nearest line above or below that has one.
   */
  function sourcePanel() {
    var holder = document.getElementById("site-facts");
    var text = document.querySelector("section.text");
    var panel = document.getElementById("panel");
    var body = document.getElementById("panel-body");
    var closer = document.getElementById("panel-close");
    if (!holder || !text || !panel || !body || !closer) { return; }
    var data = JSON.parse(holder.textContent);
    var tables = data.tables, facts = data.facts, labels = data.labels, fields = data.fields;
    var SHARED = {source_id: 1, quote: 1, text: 1, text_en: 1, translation_note: 1, char_start: 1, char_end: 1,
                  line: 1, restates: 1, lang: 1};
    var format = new Intl.NumberFormat("en-US", {maximumFractionDigits: 2});
    var narrow = window.matchMedia("(max-width: 900px)");
    var hint = Array.prototype.slice.call(body.childNodes);
    var rtl = getComputedStyle(text).direction === "rtl";

    function value(fact, column) {
      var table = tables[fact[0]];
      return fact[1][table.columns.indexOf(column)];
    }
    function rowId(fact) { return fact[1][tables[fact[0]].key]; }

    var byId = new Map();
    facts.forEach(function (fact, i) { if (!byId.has(rowId(fact))) { byId.set(rowId(fact), i); } });
    var marks = new Map();
    text.querySelectorAll("mark[data-f]").forEach(function (mark) {
      mark.setAttribute("role", "button");
      mark.dataset.f.split(" ").forEach(function (s) {
        var i = Number(s);
        if (!marks.has(i)) { marks.set(i, []); }
        marks.get(i).push(mark);
      });
    });

    function shown(column, v) {
      if (typeof v === "number") { return format.format(v); }
      if (typeof v === "boolean") { return v ? "yes" : "no"; }
      return String(v);
    }
    function permalink(id) { return "#" + encodeURIComponent(id); }
    function labelled(column, v) {
      var known = labels[column] && labels[column][v];
      var span = el("span");
      if (!known) { span.textContent = shown(column, v); return span; }
      var name = known[1] ? el("a", null, known[0]) : el("span", null, known[0]);
      if (known[1]) { name.href = known[1]; }
      span.appendChild(name);
      span.appendChild(document.createTextNode(" "));
      span.appendChild(el("code", null, v));
      return span;
    }
    function term(list, column, content) {
      var dt = el("dt", null, column.replace(/_id$/, "").replace(/_/g, " "));
      if (fields[column]) { dt.title = fields[column]; }
      var dd = el("dd");
      dd.appendChild(content);
      list.appendChild(dt);
      list.appendChild(dd);
    }

    function card(index) {
      var fact = facts[index], table = tables[fact[0]], id = rowId(fact);
      var box = el("article", "fact");
      var head = el("header");
      head.appendChild(el("span", "sw t-" + table.name));
      var name = el("strong", null, table.label);
      name.title = table.description;
      head.appendChild(name);
      var link = el("a", "perma", "permalink");
      link.href = permalink(id);
      link.title = "Link to this fact";
      head.appendChild(link);
      box.appendChild(head);
      if (table.concept) {
        var concept = el("p", "concept");
        concept.appendChild(el("span", "k", table.concept.replace(/_id$/, "").replace(/_/g, " ") + ": "));
        concept.appendChild(labelled(table.concept, value(fact, table.concept)));
        box.appendChild(concept);
      }
      var lang = value(fact, "lang");
      var quote = el("blockquote", "quote", value(fact, "text"));
      if (lang) { quote.lang = lang; }
      quote.dir = text.dir || "auto";
      box.appendChild(quote);
      box.appendChild(el("p", "en", value(fact, "text_en")));
      var note = value(fact, "translation_note");
      if (note) { box.appendChild(el("p", "note", "Translation note: " + note)); }
      if (value(fact, "quote")) { box.appendChild(el("p", "note", "Quote: " + value(fact, "quote"))); }
      var list = el("dl", "fields");
      table.columns.forEach(function (column, i) {
        var v = fact[1][i];
        if (v === null || i === table.key || SHARED[column] || column === table.concept) { return; }
        var content = labelled(column, v);
        if (/_basis$/.test(column)) { content.className = "basis" + (/^inferred/.test(v) ? " inferred" : ""); }
        term(list, column, content);
      });
      var restates = value(fact, "restates");
      if (restates) {
        var again = el("a", null, restates);
        again.href = permalink(restates);
        term(list, "restates", again);
      }
      if (lang) { term(list, "lang", el("span", null, lang)); }
      box.appendChild(list);
      var where = el("p", "where");
      where.appendChild(document.createTextNode("Line " + value(fact, "line") + ", characters " +
        value(fact, "char_start") + "–" + value(fact, "char_end") + " · "));
      where.appendChild(el("code", null, id));
      box.appendChild(where);
      return box;
    }

    /* How much of the screen the text has: all of it, less the sheet when one is open. */
    function room() {
      return window.innerHeight - (narrow.matches && panel.classList.contains("open") ? panel.offsetHeight : 0);
    }
    /* Scroll so the passage stands in the part of the screen the sheet leaves free. */
    function reveal(mark, always) {
      var box = mark.getBoundingClientRect(), free = room();
      if (always || box.top < 0 || box.bottom > free) {
        window.scrollBy(0, box.top - Math.max(0, (free - box.height) / 3));
      }
    }

    var selected = [], opener = null;
    function show(open) {
      panel.classList.toggle("open", open);
      document.body.classList.toggle("sheet-open", open && narrow.matches);
      closer.hidden = !open;
    }
    function select(indices) {
      selected.forEach(function (i) {
        (marks.get(i) || []).forEach(function (m) { m.classList.remove("sel", "sel-first"); });
      });
      selected = indices;
      indices.forEach(function (i, n) {
        (marks.get(i) || []).forEach(function (m) { m.classList.add(n === 0 ? "sel-first" : "sel", "sel"); });
      });
      body.textContent = "";
      if (!indices.length) {
        hint.forEach(function (node) { body.appendChild(node); });
        show(false);
        return;
      }
      body.appendChild(el("p", "count", indices.length === 1 ? "1 fact quotes this passage"
        : indices.length + " facts quote this passage (innermost first)"));
      indices.forEach(function (i) { body.appendChild(card(i)); });
      show(true);
      panel.scrollTop = 0;
    }
    function length(i) { return value(facts[i], "char_end") - value(facts[i], "char_start"); }
    function choose(mark, byKey) {
      var indices = mark.dataset.f.split(" ").map(Number);
      indices.sort(function (a, b) { return length(a) - length(b) || facts[a][0] - facts[b][0] || a - b; });
      opener = mark;
      select(indices);
      history.replaceState(null, "", permalink(rowId(facts[indices[0]])));
      reveal(mark, false);
      if (byKey) { panel.focus({preventScroll: true}); }
    }
    function close() {
      if (!panel.classList.contains("open")) { return; }
      select([]);
      history.replaceState(null, "", location.pathname + location.search);
      if (opener && document.contains(opener)) { opener.focus(); }
    }
    function fromHash() {
      var id;
      try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { id = null; }
      if (id === null || !byId.has(id)) { select([]); return; }
      var index = byId.get(id);
      select([index]);
      var first = (marks.get(index) || [])[0];
      if (first) {
        opener = first;
        first.focus({preventScroll: true});
        reveal(first, true);
      }
    }

    function lineMarks(mark) { return Array.prototype.slice.call(mark.closest(".t").querySelectorAll("mark[data-f]")); }
    function rove(mark) {
      lineMarks(mark).forEach(function (m) { m.tabIndex = m === mark ? 0 : -1; });
    }
    function nearLine(mark, step) {
      var line = mark.closest(".l");
      for (line = step > 0 ? line.nextElementSibling : line.previousElementSibling; line;
           line = step > 0 ? line.nextElementSibling : line.previousElementSibling) {
        var stop = line.querySelector("mark[tabindex='0']") || line.querySelector("mark[data-f]");
        if (stop) { return stop; }
      }
      return null;
    }
    function moveFrom(mark, key) {
      var row = lineMarks(mark), at = row.indexOf(mark);
      var forward = (key === "ArrowRight") !== rtl;
      if (key === "ArrowRight" || key === "ArrowLeft") { return row[at + (forward ? 1 : -1)] || null; }
      if (key === "Home") { return row[0]; }
      if (key === "End") { return row[row.length - 1]; }
      if (key === "ArrowDown" || key === "ArrowUp") { return nearLine(mark, key === "ArrowDown" ? 1 : -1); }
      return null;
    }

    text.addEventListener("click", function (event) {
      var mark = event.target.closest("mark[data-f]");
      if (mark) { choose(mark, false); }
    });
    text.addEventListener("focusin", function (event) {
      var mark = event.target.closest && event.target.closest("mark[data-f]");
      if (mark) { rove(mark); }
    });
    text.addEventListener("keydown", function (event) {
      var mark = event.target.closest("mark[data-f]");
      if (!mark || event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose(mark, true);
        return;
      }
      var next = moveFrom(mark, event.key);
      if (next) {
        event.preventDefault();
        next.focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && panel.classList.contains("open")) {
        event.preventDefault();
        close();
      }
    });
    closer.addEventListener("click", close);
    body.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();  // a fragment of this page: select its fact even when it is already the URL's
      history.pushState(null, "", link.getAttribute("href"));
      fromHash();
    });
    narrow.addEventListener("change", function () { show(panel.classList.contains("open")); });
    window.addEventListener("hashchange", fromHash);
    window.addEventListener("popstate", fromHash);
    if (location.hash) {
      fromHash();
      // The browser's own scroll to the fragment, which ends with the page's load, moves focus to the
      // anchor (which cannot take it): the fact is focused again once the page has loaded.
      window.addEventListener("load", fromHash, {once: true});
    }
  }

  /* The filters of a concept or role page: an element with data-k ("lang source setting;...", the
   * triples of the rows behind it) is shown when one of its triples matches every chosen value. */
  function filters() {
    var form = document.querySelector("form.filters");
    if (!form) { return; }
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-k]"));
    var triples = items.map(function (item) {
      return item.dataset.k.split(";").map(function (t) { return t.split(" "); });
    });
    var status = form.querySelector("output");
    function apply() {
      var want = selects.map(function (s) { return s.value; });
      var rows = 0, shownRows = 0;
      items.forEach(function (item, i) {
        var match = triples[i].some(function (t) {
          return want.every(function (w, j) { return !w || t[j] === w; });
        });
        item.hidden = !match;
        if (item.tagName === "TR") { rows += 1; shownRows += match ? 1 : 0; }
      });
      document.querySelectorAll("[data-group]").forEach(function (group) {
        group.hidden = !group.querySelector("tr[data-k]:not([hidden])");
      });
      document.querySelectorAll("details[data-rows]").forEach(function (details) {
        var all = details.querySelectorAll("li[data-k]").length;
        var left = details.querySelectorAll("li[data-k]:not([hidden])").length;
        details.querySelector("summary").textContent = (left === all ? "all " + all : left + " of " + all) + " rows";
      });
      status.textContent = want.some(Boolean) ? "Showing " + shownRows + " of " + rows + " table rows." : "";
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    // A browser may restore the choices when the reader comes back to the page.
    if (selects.some(function (s) { return s.value; })) { apply(); }
  }

  /* The search page: every concept, wording and source of the index (window.SITE_SEARCH) holding each
   * word of the query, as a part of its text (so Chinese needs no spaces), best matches first. */
  function search() {
    var index = window.SITE_SEARCH;
    var box = document.getElementById("site-q");
    var out = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    if (!index || !box || !out || !status) { return; }
    var SHOWN = 200;
    // Folded for matching: compatibility forms, case, Arabic vowel marks and tatweel, the forms of alef,
    // alef maqsura and teh marbuta, and Russian yo, so a query matches however the source spelt it.
    function fold(s) {
      return String(s || "").normalize("NFKC").toLowerCase()
        .replace(/[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g, "")
        .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627").replace(/\u0649/g, "\u064a").replace(/\u0629/g, "\u0647")
        .replace(/\u0451/g, "\u0435").replace(/_/g, " ");
    }
    var kinds = index.kinds, languages = index.languages;
    var concepts = index.concepts.map(function (c) { return {c: c, fields: [fold(c[3]), fold(c[2])]}; });
    var wordings = index.wordings.map(function (w) { return {w: w, fields: [fold(w[2]), fold(w[3])]}; });
    var sources = index.sources.map(function (s) { return {s: s, fields: [fold(s[2]), fold(s[3]), fold(s[0])]}; });

    function score(fields, terms, whole) {
      if (!terms.every(function (t) { return fields.some(function (f) { return f.indexOf(t) >= 0; }); })) { return -1; }
      if (fields.some(function (f) { return f === whole; })) { return 0; }
      if (fields.some(function (f) { return f.indexOf(whole) === 0; })) { return 1; }
      return fields.some(function (f) { return f.indexOf(whole) >= 0; }) ? 2 : 3;
    }
    function found(list, terms, whole, weight) {
      var hits = [];
      list.forEach(function (item, i) {
        var s = score(item.fields, terms, whole);
        if (s >= 0) { hits.push([s, -weight(item), i, item]); }
      });
      hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
      return hits.map(function (h) { return h[3]; });
    }
    function language(tag) { return (languages[tag] || [tag])[0]; }
    function link(href, content, lang) {
      var a = el("a", null, content);
      a.href = href;
      if (lang) { a.lang = lang; a.dir = (languages[lang] || [])[1] || "auto"; }
      return a;
    }
    function count(n, noun) { return n + " " + noun + (n === 1 ? "" : "s"); }
    function uses(mentions, restatements) {
      var said = [];
      if (mentions) { said.push(count(mentions, "mention")); }
      if (restatements) { said.push(count(restatements, "restatement")); }
      return said.join(", ") || "0 mentions";
    }
    function wordingItem(w) {
      var concept = index.concepts[w[0]];
      var li = el("li");
      var words = link(w[6], w[2], w[1]);
      words.className = "wording";
      li.appendChild(words);
      var tags = el("div", "tags");
      tags.appendChild(document.createTextNode(language(w[1]) + " · “" + w[3] + "” · " + kinds[concept[1]] + ": "));
      tags.appendChild(link(concept[0], concept[3]));
      tags.appendChild(document.createTextNode(" · " + uses(w[4], w[5])));
      li.appendChild(tags);
      return li;
    }
    function conceptItem(c) {
      var li = el("li");
      li.appendChild(link(c[0], c[3]));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("code", null, c[2]));
      li.appendChild(el("span", "tags", " · " + kinds[c[1]]));
      return li;
    }
    function sourceItem(s) {
      var li = el("li");
      li.appendChild(link("sources/" + encodeURIComponent(s[0]) + ".html", s[2] || s[0], s[1]));
      li.appendChild(el("div", "tags", language(s[1]) + (s[3] ? " · " + s[3] : "") + " · " + s[0]));
      return li;
    }
    function group(title, hits, item) {
      if (!hits.length) { return; }
      var section = el("section");
      section.appendChild(el("h2", null, title + " (" + hits.length + ")"));
      var list = el("ol", "results");
      hits.slice(0, SHOWN).forEach(function (hit) { list.appendChild(item(hit)); });
      section.appendChild(list);
      if (hits.length > SHOWN) {
        section.appendChild(el("p", "hint", "The first " + SHOWN + " of " + hits.length + " are shown; add a word to narrow."));
      }
      out.appendChild(section);
    }
    function render() {
      var query = box.value.trim();
      var whole = fold(query).replace(/\s+/g, " ");
      var terms = whole.split(" ").filter(Boolean);
      out.textContent = "";
      if (!terms.length) {
        status.textContent = "The index holds " + index.wordings.length + " wordings, " + index.concepts.length +
          " concepts and " + index.sources.length + " sources.";
        return;
      }
      var w = found(wordings, terms, whole, function (x) { return x.w[4] + x.w[5]; });
      var c = found(concepts, terms, whole, function () { return 0; });
      var s = found(sources, terms, whole, function () { return 0; });
      status.textContent = (w.length + c.length + s.length) ? count(w.length, "wording") + ", " +
        count(c.length, "concept") + " and " + count(s.length, "source") + " hold “" + query + "”."
        : "Nothing holds “" + query + "”.";
      group("Wordings", w.map(function (x) { return x.w; }), wordingItem);
      group("Concepts", c.map(function (x) { return x.c; }), conceptItem);
      group("Sources", s.map(function (x) { return x.s; }), sourceItem);
    }
    var query = new URLSearchParams(location.search).get("q");
    if (query !== null) { box.value = query; }
    box.addEventListener("input", function () {
      history.replaceState(null, "", "?q=" + encodeURIComponent(box.value));
      render();
    });
    box.form.addEventListener("submit", function (event) {
      event.preventDefault();  // already shown as typed
      render();
    });
    render();
  }

  skipLink();
  sourcePanel();
  filters();
  search();
}());
