// The action's post step (action.yml `runs.post`, `post-if: always()`): action/post.sh, which
// deletes what the main step made, even after a failed or cancelled job.
'use strict';

require('./launch').launch('post.sh');
