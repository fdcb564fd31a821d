// The action's main step (action.yml `runs.main`): action/main.sh.
'use strict';

require('./launch').launch('main.sh');
