// Every page: mark the body as JavaScript-capable (GOV.UK and MOJ components check it), then start them.
// A module script (no inline script: the CSP allows only files from this site).
import { initAll as initGovuk } from 'govuk-frontend'
import { initAll as initMoj } from '@ministryofjustice/frontend'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initGovuk()
initMoj()
