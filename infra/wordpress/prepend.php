<?php
/* Prepended to every request and script: WordPress's code is Debian's, the site is this one. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', '@SITE@/' );
}
