// A few helpers to build views without a framework: every text through t(), never innerHTML with data.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith("on")) {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "style") {
      // Through the CSSOM, never a style attribute: the content security policy refuses inline styles.
      Object.assign(element.style, value);
    } else {
      element.setAttribute(name, value === true ? "" : value);
    }
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

// Runs `action` once per tap: a second tap while the first is being saved does nothing.
export function once(button, action) {
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

// A list of cards, one per item, or the sentence saying there are none.
export function cards(testId, items, card, emptyText) {
  if (!items.length) {
    return h("p", { class: "empty" }, emptyText);
  }
  return h("ul", { class: "cards", "data-testid": testId }, items.map(card));
}

// Hands a downloaded file (the API's `download` answer) to the browser to save under the server's name.
export function save({ body, filename }) {
  const link = h("a", { href: URL.createObjectURL(body), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
