// A deployed version's page: its diagram, read-only.
import { showDiagrams } from './viewer.mjs'

showDiagrams()
