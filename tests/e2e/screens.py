"""Every screen looked at as its users would: at a 360 px phone and a 1280 px laptop, in the page's language.

``look(device, screen)`` checks the screen on show and returns what is wrong with it, one sentence each:
sideways overflow, ``null``/``undefined``/``NaN``/``[object Object]``, a snake_case code or an untranslated
key of the app's tables in the visible text, a serious or critical violation found by axe-core (from npm,
served from the app's own origin so that the content security policy allows it), and, for the technician's
screens, a control smaller than 44×44 px and text or a control drawn past the left edge. A screenshot of each
width goes to tests/e2e/artifacts/.
"""

import re

from tests.fixtures.browser import WIDTHS

AXE = "/node_modules/axe-core/axe.min.js"
# Words a person should never read: what a missing value or a raw code looks like once drawn.
BLANKS = re.compile(r"\b(null|undefined|NaN)\b|\[object Object\]")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
TEXT = "() => document.body.innerText"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The app's own translation keys ("job.state.accepted"): one on screen is a string the tables lack.
KEYS = """async () => {
  const { LANGUAGES } = await import('/js/i18n/index.js');
  return [...new Set(Object.values(LANGUAGES).flatMap((table) => Object.keys(table)))];
}"""
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, a[href], input:not([type=hidden]), select, textarea, [role=button]')]
  .filter((el) => el.offsetParent !== null && !el.closest('[hidden]'))
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width > 0 && (box.width < 44 || box.height < 44)
    && !(el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type) && el.closest('label')))
  .map(([el, box]) => {
    const name = (el.innerText || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`;
  })"""
# Visible text and controls drawn past the left edge, where no scrolling reaches them (a panel anchored to the
# right of a button near the left).
CUT_OFF = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.offsetParent !== null && el.childElementCount === 0 && (el.innerText || '').trim())
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width > 0 && box.left < -1)
  .map(([el, box]) => `${el.tagName.toLowerCase()} "${el.innerText.trim().slice(0, 30)}" at x=${Math.round(box.left)}`)
"""
AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}"""


def look(device, screen, *, touch=False, ready=None):
    page = device.page
    size = page.viewport_size
    keys = set(page.evaluate(KEYS))
    problems = []
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": size["height"]})
            if ready is not None:
                ready.first.wait_for()
            page.wait_for_timeout(100)  # a layout change after the resize
            where = f"{screen} at {width} px"
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                problems.append(f"{where}: {overflow} px of sideways overflow")
            text = page.evaluate(TEXT)
            for found in sorted({match.group(0) for match in BLANKS.finditer(text)}):
                problems.append(f"{where}: shows {found!r}")
            for found in sorted({match.group(0) for match in SNAKE.finditer(text)}):
                problems.append(f"{where}: shows the code {found!r}")
            for found in sorted({word for word in re.findall(r"[\w.]+", text) if word in keys and "." in word}):
                problems.append(f"{where}: shows the untranslated key {found!r}")
            if page.evaluate("() => typeof axe") == "undefined":
                page.add_script_tag(url=AXE)
            for violation in page.evaluate(AXE_RUN):
                problems.append(f"{where}: accessibility {violation}")
            if touch:
                for target in page.evaluate(SMALL_TARGETS):
                    problems.append(f"{where}: touch target {target}")
                for cut in page.evaluate(CUT_OFF):
                    problems.append(f"{where}: cut off at the left edge: {cut}")
            device.screenshot(f"{screen}-{width}")
    finally:
        page.set_viewport_size(size)
    return problems
