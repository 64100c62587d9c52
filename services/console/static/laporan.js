/* The OPD's report form: the draft kept on the device as it is typed, each photo uploaded with
   a progress bar and a retry, and a submit that retries with the SAME Idempotency-Key after a
   dropped connection (ingest answers a replay with the first report: never a duplicate).
   Without this script the form still posts (the server put a key in its hidden field). */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var store = "warta:draf:" + form.dataset.draft;
  var list = document.getElementById("photo-list");
  var template = document.getElementById("photo-template");
  var status = document.getElementById("form-status");
  var problem = document.getElementById("form-error");
  var keyField = document.getElementById("idempotency_key");
  var fields = ["title", "summary", "body", "activity_at", "zone", "location", "category", "tags"];
  var photos = [];  // {id, caption, credit, name, row, state}
  var sending = false;

  function say(text) { status.textContent = text; }
  function fail(text) { problem.textContent = text; problem.hidden = !text; }

  function load() {
    try { return JSON.parse(window.localStorage.getItem(store) || "null"); }
    catch (e) { return null; }
  }

  function save() {
    var draft = {fields: {}, key: keyField ? keyField.value : null, photos: [],
                 revision: form.dataset.revision || ""};
    fields.forEach(function (name) { draft.fields[name] = form.elements[name].value; });
    photos.forEach(function (p) {
      if (p.id) { draft.photos.push({id: p.id, caption: p.caption, credit: p.credit}); }
    });
    try { window.localStorage.setItem(store, JSON.stringify(draft)); } catch (e) { /* full */ }
  }

  function part(row, name) { return row.querySelector('[data-part="' + name + '"]'); }

  function renumber() {
    photos.forEach(function (p, i) {
      var id = "photos-" + i;
      part(p.row, "id").name = p.id ? id + "-id" : "";
      part(p.row, "id").value = p.id || "";
      ["caption", "credit"].forEach(function (which) {
        var input = part(p.row, which);
        input.id = id + "-" + which;
        input.name = id + "-" + which;
        part(p.row, which + "-label").htmlFor = input.id;
        part(p.row, which + "-label").textContent =
          (which === "caption" ? "Keterangan foto " : "Kredit foto ") + (i + 1);
      });
    });
  }

  function shown(p) {
    var img = p.row.querySelector("img");
    part(p.row, "retry").hidden = p.state !== "failed";
    part(p.row, "progress").hidden = p.state !== "uploading";
    if (p.id) {
      img.src = "/files/" + p.id + "/thumbnail";
      img.hidden = false;
      part(p.row, "state").textContent = "Terunggah.";
    }
  }

  function addRow(p) {
    p.row = template.content.firstElementChild.cloneNode(true);
    part(p.row, "name").textContent = p.name || "";
    part(p.row, "caption").value = p.caption || "";
    part(p.row, "credit").value = p.credit || "";
    part(p.row, "caption").addEventListener("input", function (e) { p.caption = e.target.value; save(); });
    part(p.row, "credit").addEventListener("input", function (e) { p.credit = e.target.value; save(); });
    part(p.row, "retry").addEventListener("click", function () { upload(p); });
    part(p.row, "remove").addEventListener("click", function () {
      photos.splice(photos.indexOf(p), 1);
      p.row.remove();
      renumber();
      save();
    });
    list.appendChild(p.row);
    photos.push(p);
    renumber();
    shown(p);
  }

  function upload(p) {
    var data = new FormData();
    data.append("csrf", form.elements.csrf.value);
    data.append("file", p.file, p.file.name);
    var xhr = new XMLHttpRequest();
    p.state = "uploading";
    part(p.row, "state").textContent = "Mengunggah…";
    shown(p);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { part(p.row, "progress").value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      if (xhr.status === 200 && answer.id) {
        p.id = answer.id;
        p.state = "done";
        renumber();
        save();
      } else {
        p.state = "failed";
        part(p.row, "state").textContent = answer.message || "Gagal mengunggah foto.";
      }
      shown(p);
    });
    function dropped() {
      p.state = "failed";
      part(p.row, "state").textContent = "Koneksi terputus saat mengunggah. Coba lagi.";
      shown(p);
    }
    xhr.addEventListener("error", dropped);
    xhr.addEventListener("timeout", dropped);
    xhr.open("POST", form.dataset.upload);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.send(data);
  }

  function showErrors(errors) {
    form.querySelectorAll(".error[data-error-for]").forEach(function (e) { e.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    Object.keys(errors || {}).forEach(function (name) {
      var target = form.elements[name.replace(/^photos\.(\d+)\./, "photos-$1-")] ||
        form.elements[name.split(".")[0] === "photos" ? "photo" : name];
      if (!target || !target.parentNode) { return; }
      var note = document.createElement("p");
      note.className = "error";
      note.dataset.errorFor = name;
      note.id = name.replace(/\./g, "-") + "-error";
      note.textContent = errors[name];
      target.parentNode.appendChild(note);
      target.setAttribute("aria-invalid", "true");
      target.setAttribute("aria-describedby", note.id);
    });
  }

  function send(attempt) {
    var data = new FormData(form);
    data.delete("photo");  // already uploaded, one by one
    var headers = {"Accept": "application/json"};
    if (keyField) { headers["Idempotency-Key"] = keyField.value; }
    fetch(form.action, {method: "POST", body: data, headers: headers, credentials: "same-origin"})
      .then(function (answer) {
        // Only the front door's "upstream unreachable" answers are like a dropped connection;
        // any other refusal is final and said at once (a retry would only repeat it).
        if (answer.status >= 502 && answer.status <= 504) { throw new Error("gateway"); }
        return answer.json().catch(function () { return {}; }).then(function (body) {
          if (answer.ok && body.url) {
            window.localStorage.removeItem(store);
            say("Terkirim.");
            window.location.assign(body.url);
            return;
          }
          sending = false;
          say("");
          if (answer.status === 401) {
            fail("Sesi Anda berakhir. Masuk lagi; draf tetap tersimpan di perangkat ini.");
            return;
          }
          fail(body.message || "Laporan belum terkirim.");
          showErrors(body.errors);
        });
      })
      .catch(function () {
        // The request may have reached the server: the same key makes the retry safe.
        var wait = Math.min(15000, 1000 * Math.pow(2, attempt));
        if (attempt >= 7) {
          sending = false;
          say("");
          fail("Belum terkirim: koneksi terputus. Draf tersimpan; tekan Kirim lagi.");
          return;
        }
        say("Koneksi terputus. Mencoba mengirim lagi (" + (attempt + 1) + ")…");
        window.setTimeout(function () { send(attempt + 1); }, wait);
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (sending) { return; }
    if (photos.some(function (p) { return p.state === "uploading"; })) {
      fail("Tunggu sampai semua foto selesai terunggah.");
      return;
    }
    if (photos.some(function (p) { return p.state === "failed"; })) {
      fail("Ada foto yang gagal terunggah: coba lagi atau hapus foto itu.");
      return;
    }
    sending = true;
    fail("");
    say("Mengirim laporan…");
    save();
    send(0);
  });

  document.getElementById("photo").addEventListener("change", function (e) {
    Array.prototype.forEach.call(e.target.files, function (file) {
      var p = {file: file, name: file.name, caption: "", credit: "", state: "new"};
      addRow(p);
      upload(p);
    });
    e.target.value = "";
  });

  form.addEventListener("input", function (e) {
    if (fields.indexOf(e.target.name) >= 0) { save(); }
  });
  form.addEventListener("change", function (e) {
    if (fields.indexOf(e.target.name) >= 0) { save(); }
  });

  // Start: the server's rows become managed rows; a saved draft takes their place.
  var existing = [];
  list.querySelectorAll("li.photo-row").forEach(function (row) {
    var inputs = row.querySelectorAll("input");
    existing.push({id: inputs[0].value, caption: inputs[1].value, credit: inputs[2].value, state: "done"});
    row.remove();
  });
  var draft = load();
  if (draft && (draft.revision || "") !== (form.dataset.revision || "")) {
    // Amended since (on another device, or applied by the desk): this draft edits an older
    // text, and sending it would put that text back. The report as it is now wins.
    window.localStorage.removeItem(store);
    draft = null;
    say("Laporan sudah berubah sejak draf di perangkat ini disimpan; draf lama tidak dipakai.");
  }
  if (draft) {
    fields.forEach(function (name) {
      if (draft.fields && typeof draft.fields[name] === "string") { form.elements[name].value = draft.fields[name]; }
    });
    if (keyField && draft.key) { keyField.value = draft.key; }
    existing = (draft.photos || []).map(function (p) {
      return {id: p.id, caption: p.caption, credit: p.credit, state: "done"};
    });
    say("Draf yang tersimpan di perangkat ini dipulihkan.");
  } else if (keyField && window.crypto && window.crypto.randomUUID) {
    keyField.value = window.crypto.randomUUID();  // generated on the device, kept with the draft
  }
  existing.forEach(addRow);
  save();
}());
