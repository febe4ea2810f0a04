/* The fact panel of a source page.
 *
 * The page embeds its facts as JSON (#site-facts): a page opened from file:// may not fetch a file.
 * Selecting a highlighted passage (click, or Enter / Space on it) shows every fact covering it,
 * innermost first; a URL ending in #<row id> selects that fact, scrolls to it and shows it. Every
 * value is written with textContent, never as HTML, so no text of a source can become markup.
 */
"use strict";
(function () {
  var holder = document.getElementById("site-facts");
  var text = document.querySelector("section.text");
  var body = document.getElementById("panel-body");
  if (!holder || !text || !body) { return; }
  var data = JSON.parse(holder.textContent);
  var tables = data.tables, facts = data.facts, labels = data.labels, fields = data.fields;
  var SHARED = {source_id: 1, quote: 1, text: 1, text_en: 1, translation_note: 1, char_start: 1, char_end: 1,
                line: 1, restates: 1, lang: 1};
  var format = new Intl.NumberFormat("en-US", {maximumFractionDigits: 2});

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

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }
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
    var sw = el("span", "sw t-" + table.name);
    head.appendChild(sw);
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

  var selected = [];
  function select(indices, scroll) {
    selected.forEach(function (i) {
      (marks.get(i) || []).forEach(function (m) { m.classList.remove("sel", "sel-first"); });
    });
    selected = indices;
    indices.forEach(function (i, n) {
      (marks.get(i) || []).forEach(function (m) { m.classList.add(n === 0 ? "sel-first" : "sel", "sel"); });
    });
    body.textContent = "";
    if (!indices.length) { return; }
    body.appendChild(el("p", "count", indices.length === 1 ? "1 fact quotes this passage"
      : indices.length + " facts quote this passage (innermost first)"));
    indices.forEach(function (i) { body.appendChild(card(i)); });
    var first = (marks.get(indices[0]) || [])[0];
    if (scroll && first) {
      first.scrollIntoView({block: "center"});
      first.focus({preventScroll: true});
    }
  }
  function length(i) { return value(facts[i], "char_end") - value(facts[i], "char_start"); }
  function choose(mark) {
    var indices = mark.dataset.f.split(" ").map(Number);
    indices.sort(function (a, b) { return length(a) - length(b) || facts[a][0] - facts[b][0] || a - b; });
    select(indices, false);
    history.replaceState(null, "", permalink(rowId(facts[indices[0]])));
  }
  function fromHash() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    if (byId.has(id)) { select([byId.get(id)], true); }
  }

  text.addEventListener("click", function (event) {
    var mark = event.target.closest("mark[data-f]");
    if (mark) { choose(mark); }
  });
  text.addEventListener("keydown", function (event) {
    var mark = event.target.closest("mark[data-f]");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      choose(mark);
    } else if (event.key === "Escape") {
      select([], false);
    }
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
}());
