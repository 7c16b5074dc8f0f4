// The encrypting booth of a vote counted end to end. The booth module (loaded by the page
// with its integrity hash) encrypts, proves and signs the ballot here; only the ballot's
// JSON text is sent, to the casting API, with the session's CSRF token. The choices and
// the credential never leave the page. Without this script the page keeps the sealed
// ballot form, which the server encrypts.

let section = document.getElementById("e2e-booth");

function say(form, text, isError) {
  const status = form.querySelector(".e2e-status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

function selections(form, questions) {
  return questions.map((_, index) =>
    [...form.querySelectorAll(`.e2e-question[data-question="${index}"] input`)]
      .filter((input) => input.checked)
      .map((input) => Number(input.dataset.answer)),
  );
}

function answered(questions, picked) {
  return questions.every((q, i) => picked[i].length >= q.min && picked[i].length <= q.max);
}

function setUp(booth, form) {
  const electionText = JSON.parse(document.getElementById(form.dataset.election).textContent);
  const questions = JSON.parse(electionText).questions;
  const sealedPart = form.querySelector(".e2e-sealed");
  const auditPart = form.querySelector(".e2e-audit-record");
  const credentialInput = form.querySelector(".e2e-credential");
  if (!credentialInput) return; // This election takes no ballot now.
  let sealed = null;

  const forget = () => {
    sealed = null;
    sealedPart.hidden = true;
  };
  form.addEventListener("change", (event) => {
    if (event.target.closest(".e2e-question")) forget();
  });
  credentialInput.addEventListener("input", forget);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    forget();
    auditPart.hidden = true;
    const picked = selections(form, questions);
    if (!answered(questions, picked)) {
      say(form, section.dataset.msgChoose, true);
      return;
    }
    const credential = credentialInput.value.trim();
    if (!credential) {
      say(form, section.dataset.msgCredential, true);
      return;
    }
    const expected = form.dataset.publicCredential;
    const derived = booth.group.pointHex(
      booth.group.gPow(booth.crypto.credentialSecret(form.dataset.uuid, credential)),
    );
    if (expected && derived !== expected) {
      say(form, section.dataset.msgNotYours, true);
      return;
    }
    try {
      sealed = booth.encryptBallot(
        electionText,
        credential,
        booth.answersFromSelections(electionText, picked),
      );
    } catch (error) {
      say(form, `${error.code || "error"}: ${error.message}`, true);
      return;
    }
    form.querySelector(".e2e-tracker").value = sealed.tracker;
    sealedPart.hidden = false;
    say(form, section.dataset.msgSealed, false);
  });

  form.querySelector(".e2e-cast").addEventListener("click", async () => {
    if (!sealed) return;
    const ballot = sealed.ballot;
    const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    let response;
    try {
      response = await fetch(form.dataset.castUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token,
        },
        // The assembly's booth is told which member votes (a person may act for several).
        body: JSON.stringify(
          form.dataset.member ? { ballot, member_id: Number(form.dataset.member) } : { ballot },
        ),
      });
    } catch (error) {
      say(form, `${section.dataset.msgFailed} ${error.message}`, true);
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(form, `${section.dataset.msgFailed} ${answer.message || response.status}`, true);
      return;
    }
    forget();
    const counted = form.querySelector(".e2e-counted");
    counted.querySelector(".e2e-counted-tracker").textContent = answer.tracker;
    counted.hidden = false;
    // The "Your ballot" line of this member, drawn by the server before this cast.
    const line = document.getElementById(`ballot-entry-${form.dataset.entry}`);
    if (line) {
      line.textContent = `${line.dataset.msgVoted} ${answer.tracker}. ${line.dataset.msgChange}`;
    }
    say(form, `${section.dataset.msgCast} ${answer.tracker}`, false);
  });

  form.querySelector(".e2e-audit").addEventListener("click", () => {
    if (!sealed) return;
    const record = booth.auditBallot(sealed);
    forget();
    booth.checkAudit(electionText, record);
    // The trustee tool's audit-ballot reads the election from the same file.
    const text = JSON.stringify({ ...record, election: electionText }, null, 1);
    auditPart.querySelector(".e2e-audit-text").value = text;
    const link = auditPart.querySelector(".e2e-audit-download");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    auditPart.hidden = false;
    say(form, `${section.dataset.msgAudited} ${section.dataset.msgAuditOk}`, false);
  });
}

async function start() {
  // The same address as the page's integrity-checked script: the browser's module map
  // gives this import that very module (or its failure).
  section.dataset.started = "1";
  const booth = await import(section.dataset.bundle);
  for (const form of section.querySelectorAll(".e2e-form")) setUp(booth, form);
  section.hidden = false;
  const sealedForm = document.getElementById("ballot-form");
  if (sealedForm) sealedForm.hidden = true;
  const note = document.getElementById("server-encrypted-note");
  if (note) note.hidden = true;
  // The assembly's booth: the sealed forms of the members voting here encrypted.
  for (const fallback of document.querySelectorAll("[data-e2e-fallback]")) fallback.hidden = true;
}

if (section) start();

// The assembly's booth is drawn again when the chair opens a point: start the new one.
if (document.querySelector("[data-live-part]")) {
  new MutationObserver(() => {
    const fresh = document.getElementById("e2e-booth");
    if (fresh && !fresh.dataset.started) {
      section = fresh;
      start();
    }
  }).observe(document.body, { childList: true, subtree: true });
}
