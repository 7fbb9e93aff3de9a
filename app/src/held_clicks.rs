//! A click that lands before the page is interactive.
//!
//! Every page is painted from the server's HTML before its WASM (and, for most
//! pages, that route's own chunk) has arrived and hydrated it; until then a
//! button has no handler and a click on it would silently do nothing. This
//! script, inlined in the head so it runs before first paint, holds such a
//! click: the page shows that it is busy (a progress cursor and a bar along
//! the top), and once the page marks itself interactive (`data-hydrated`, see
//! `mark_hydrated`) the last held click is replayed on the same element,
//! which hydration kept. Links need no help (they navigate natively), nor do
//! text fields (typing works). If the page never becomes interactive within
//! 15 s, clicks are let through again rather than swallowed.
//!
//! It has no `<` or `>` in it, so it reads the same inside `<script>`.
pub const HELD_CLICKS_SCRIPT: &str = "(function(){\
var d=document,h=d.documentElement,held=null,live=true;\
setTimeout(function(){live=false;h.classList.remove('kw-waiting')},15000);\
function waiting(){var b=d.body;return live&&!(b&&b.getAttribute('data-hydrated')==='true')}\
function hold(el,e){e.preventDefault();e.stopPropagation();held=el;h.classList.add('kw-waiting')}\
d.addEventListener('click',function(e){\
if(!waiting()||!e.target.closest)return;\
var el=e.target.closest('a[href],button,input,summary,[role=button],[role=switch],[role=tab]');\
if(!el||el.matches('a[href]')||el.disabled)return;\
if(el.tagName==='INPUT'&&!/^(checkbox|radio|submit|button|reset)$/.test(el.type))return;\
hold(el,e)},true);\
d.addEventListener('submit',function(e){if(waiting())hold(e.submitter||e.target,e)},true);\
new MutationObserver(function(m,o){\
if(waiting())return;\
o.disconnect();h.classList.remove('kw-waiting');\
var el=held;held=null;\
if(el&&el.isConnected)setTimeout(function(){el.tagName==='FORM'?el.requestSubmit():el.click()},0)\
}).observe(h,{subtree:true,attributes:true,attributeFilter:['data-hydrated']});\
})();";
