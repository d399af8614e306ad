/**
 * LANGUAGE=pl_PL:pl (the GNU gettext priority list that Debian and Ubuntu installers write) went
 * out as LANGUAGE=en_US:pl: env.locale reported only its first element, and the locale
 * surrogate kept the rest of a list as it was, so the bare `pl` still named the user's language.
 * The whole list is now the value, and every element of it takes the surrogate, once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localeShape } from '../../src/redact/shapes.js';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

describe('a LANGUAGE= list', () => {
  it('is reported whole, a bare language first too', () => {
    assert.deepEqual(findingsIn('LANGUAGE=pl_PL:pl\n'), ['env.locale pl_PL:pl']);
    assert.deepEqual(findingsIn('LANGUAGE="de:en_GB:en"'), ['env.locale de:en_GB:en']);
    // Outside an assignment such a pair says nothing of a locale.
    assert.deepEqual(findingsIn('ratio pl:pl and de:en'), []);
  });

  it('takes an English surrogate in each of its elements', () => {
    assert.equal(localeShape('pl_PL:pl'), 'en_US:en');
    assert.equal(localeShape('de:en_GB:en'), 'en:en_US');
    assert.equal(localeShape('pl_PL.UTF-8'), 'en_US.UTF-8');
  });

  it('leaves no language of the user in what is sent', async () => {
    const r = await inspectUserMessage('$ env | grep -e LANG -e LC_\nLANG=pl_PL.UTF-8\nLANGUAGE=pl_PL:pl\n');
    assert.equal(r.sent, '$ env | grep -e LANG -e LC_\nLANG=en_US.UTF-8\nLANGUAGE=en_US:en\n');
  });
});
