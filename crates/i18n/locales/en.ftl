# rollcall in English. One message per thing said; { $name } and the like are filled in by the
# caller. A language is added by adding its file beside this one, named by its language tag, with
# the same messages.

language-name = English

## The native kiosk: one line per face, to the person in front of it.
kiosk-checked-in = Welcome, { $name } ({ $delegation })
kiosk-already-checked-in = Welcome back, { $name }: you are already checked in
kiosk-returned = Welcome back, { $name }
kiosk-checked-out = Goodbye, { $name }
kiosk-already-checked-out = Goodbye, { $name }: you have already left
kiosk-not-checked-in = { $name }, you have not checked in: please use the entrance
kiosk-pending = Please look at the camera
kiosk-unknown = Not recognised: please see the registration desk
kiosk-rejected = Please come closer to the camera
kiosk-spoof-suspected = Please see the registration desk

## Attendance exports (CSV and XLSX): column headers and amendment rows.
export-delegate-id = delegate_id
export-full-name = full_name
export-delegation = delegation
export-method = method
export-checked-in-at = checked_in_at
export-amended-by = amended by { $actor }: { $reason }

## Words every page uses.
language-switch =
    .aria-label = Language
logout = Log out
alerts = Alerts
yes = yes
no = no
col-name = Name
col-delegation = Delegation
col-present = Present
role-kiosk = kiosk
role-staff = staff
role-presidium = presidium
role-admin = admin
role-name = { $role ->
    [kiosk] { role-kiosk }
    [staff] { role-staff }
    [presidium] { role-presidium }
    [admin] { role-admin }
   *[other] { $role }
}
door-entrance = entrance
door-exit = exit
door-name = { $door ->
    [exit] { door-exit }
   *[entrance] { door-entrance }
}
sitting-status = { $status ->
    [draft] draft
    [open] open
    [closed] closed
   *[other] { $status }
}
live-connecting = connecting
live-on = live
live-reconnecting = reconnecting…
camera-failed = The camera cannot be opened: { $error }
alert-spoof = Photo or screen suspected at { $kiosk }
alert-resembles = resembles { $name } ({ $delegation })
alert-resembles-nobody = resembles nobody enrolled
error-offline = The server cannot be reached.
# What the server answered, by its error code; any other code shows the server's own words.
api-error = { $code ->
    [offline] The server cannot be reached.
    [conflict] { $message }
    [database_busy] The database is busy: try again in a moment.
    [busy] The server is busy: try again in a moment.
    [forbidden] This token may not do that.
    [unauthorized] The token is not valid: it is wrong or has been revoked.
    [too_many_auth_failures] Too many wrong tokens from this computer: wait a minute.
    [sitting_not_open] The sitting is not open.
    [sitting_closed] The sitting is closed.
    [no_open_sitting] No sitting is open.
    [reason_required] A reason is needed.
    [not_checked_in] This delegate is not checked in.
    [payload_too_large] The file is too large.
    [invalid_image] This is not a readable image.
    [image_too_large] The image has too many pixels.
    [request_timeout] The request took too long: try again.
   *[other] { $message }
}
# Why the enrolment gate refused a photo: a title, then the figures.
refusal = { $code ->
    [no_face] No face found.
    [multiple_faces] More than one face.
    [face_too_small] The face is too small.
    [blurry] The photo is blurred.
    [not_frontal] The face is turned away.
    [duplicate_of] Already enrolled as someone else.
    [spoof_suspected] This looks like a picture of a photo or a screen.
    [invalid_image] Not a readable image.
    [payload_too_large] The file is too large.
    [busy] The server is busy.
   *[other] Refused.
}
refusal-detail = { $code ->
    [no_face] No face was found in the photo.
    [multiple_faces] The photo shows { $faces } faces; enrol one person per photo.
    [face_too_small] The eyes are { NUMBER($measured, maximumFractionDigits: 0) } px apart; at least { NUMBER($needed, maximumFractionDigits: 0) } px are needed. Come closer.
    [blurry] Sharpness { NUMBER($measured, maximumFractionDigits: 1) }, at least { NUMBER($needed, maximumFractionDigits: 1) } needed. Hold still and retake.
    [not_frontal] Frontal { NUMBER($measured, maximumFractionDigits: 2) }, at least { NUMBER($needed, maximumFractionDigits: 2) } needed. Look straight at the camera.
    [spoof_suspected] Liveness { NUMBER($measured, maximumFractionDigits: 2) }, at least { NUMBER($needed, maximumFractionDigits: 2) } needed. Photograph the delegate in person.
    [duplicate_of] This face already matches another delegate.
   *[other] The photo was refused.
}

## The login form.
login-dashboard = The attendance dashboard. Enter your presidium or admin token.
login-desk = The enrolment desk. Enter your staff or admin token.
login-kiosk = The browser kiosk. Enter a kiosk token.
login-report = The attendance report. Enter your presidium, staff or admin token.
login-token = Token
login-submit = Log in
login-empty = Enter your token.
login-invalid = This token is not valid: it is wrong or has been revoked.
login-wrong-role = This token has the role “{ $role }”, which cannot use this page.

## The presidium's dashboard.
dash-page-title = rollcall · attendance
dash-title = Attendance
dash-no-sitting = No sitting is open. This screen follows the next one as soon as it opens.
dash-count-label = { $basis ->
    [in_hall] In the hall
   *[checked_in] Present
}
dash-checked-in = Checked in
dash-in-hall = In the hall now
dash-chart =
    .aria-label = Arrivals over time
dash-legend-checked-in = checked in
dash-legend-in-hall = in the hall
dash-legend-quorum = quorum
dash-take-roll-call = Take roll call
dash-by-delegation = By delegation
dash-at-the-doors = At the doors
dash-rule = Quorum: { $rule ->
    [more_than] more than
   *[at_least] at least
} { $fraction } of { $eligible } eligible delegates, that is { $required } { $basis ->
    [in_hall] in the hall
   *[checked_in] present
}
dash-quorum-reached = QUORUM REACHED
dash-quorum-was-reached = QUORUM WAS REACHED
dash-no-quorum = NO QUORUM · { $missing } more needed
dash-passage = { $delegation } · { $passage ->
    [exit] left the hall
   *[reentry] back in
}
dash-quorum-not-yet = Quorum not reached yet
dash-quorum-at = Quorum reached at { $time }
dash-quorum-at-after = Quorum reached at { $time }, { $minutes } min after opening
dash-no-roll-call = No roll call yet
dash-roll-call = Roll call { $id } at { $time }: { $present } of { $eligible } present, { $reached ->
    [yes] quorum reached
   *[no] no quorum ({ $required } needed)
}
dash-roll-call-failed = Roll call not taken: { $error }
dash-closed-at = closed { $time }
dash-opened-at = opened { $time }
dash-not-opened = not opened yet

## The enrolment desk.
desk-page-title = rollcall · enrolment desk
desk-title = Enrolment desk
desk-open-sitting = Open sitting: { $name }
desk-no-open-sitting = No sitting is open
desk-delegates = Delegates
desk-search =
    .placeholder = Search name, delegation or ID
    .aria-label = Search delegates
desk-search-button = Search
desk-col-id = ID
desk-col-enrolment = Enrolment
desk-enrolled-badge = enrolled ({ $photos })
desk-no-photo-badge = no photo
desk-present-badge = present
desk-left-badge = left the hall
desk-list-more = { $count } delegates match; showing the first { $shown }. Refine the search.
desk-list-count = { $count ->
    [one] { $count } delegate
   *[other] { $count } delegates
}
desk-add = Add a delegate
desk-external-id = External ID
desk-full-name = Full name
desk-eligible = Eligible to vote (counts toward quorum)
desk-add-button = Add delegate
desk-added = Added { $name }. Now enrol a photo.
desk-external-id-taken = That external ID is already taken.
desk-pick-hint = Select a delegate to enrol a photo or check them in by hand.
desk-person-meta = { $id } · { $delegation } · { $eligible ->
    [yes] eligible
   *[no] not eligible (does not count toward quorum)
}
desk-enrolled = { $photos ->
    [one] Enrolled: { $photos } photo
   *[other] Enrolled: { $photos } photos
}
desk-not-enrolled = Not enrolled: no photo yet
desk-photo = Photo
desk-upload = Upload photo
desk-camera = Use camera
desk-take-photo = Take photo
desk-close-camera = Close camera
desk-checking-photo = Checking the photo…
desk-photo-accepted = Accepted: the photo is enrolled.
desk-photo-quality = Eyes { $eyes } px apart, sharpness { $sharpness }, frontal { $frontal }.
desk-liveness-advisory = This file scored { $score } for liveness, below what a face at a kiosk needs. It was accepted because it is a file, and the score is recorded: make sure it is the delegate's own portrait.
desk-threshold-raised = The enrolled faces resemble one another more than the faces recognition was calibrated on: the match threshold was raised from { $from } to { $to } so that strangers are not checked in. Expect more "please look at the camera" at the doors, and more delegates sent to the desk.
desk-duplicate-of = Duplicate of { $name }.
desk-checkin = Check-in
desk-reason =
    .placeholder = Reason (required), e.g. photo refused, ID checked
    .aria-label = Reason
desk-check-in = Check in by hand
desk-back-in = Back in by hand
desk-mark-out = Mark out of the hall
desk-undo = Undo check-in
desk-state-no-sitting = No sitting is open: check-ins are taken for the open sitting only.
desk-state = { $state ->
    [in_hall] Checked in for “{ $sitting }”, in the hall.
    [left] Checked in for “{ $sitting }”, has left the hall.
   *[absent] Not checked in for “{ $sitting }”.
}
desk-reason-checkin = A manual check-in needs a reason.
desk-reason-out = Marking a delegate out needs a reason.
desk-reason-undo = A correction needs a reason.
desk-is-checked-in = { $name } is checked in.
desk-is-back = { $name } is back in the hall.
desk-is-out = { $name } has left the hall (still checked in for the record).
desk-undone = The check-in of { $name } was removed.
desk-import = Bulk import
desk-import-csv = CSV (external_id, full_name, delegation[, eligible])
desk-import-photos = Photos named <external_id>.jpg|png|webp
desk-import-button = Import
desk-import-no-file = Choose a CSV file.
desk-import-header = The CSV header needs external_id, full_name and delegation.
desk-import-row = (row { $row })
desk-import-no-photo = { $id }: added without a photo
desk-import-refused = { $id }: { $title } { $error }
desk-import-progress = { $done } of { $rows } rows: { $ok } imported, { $failed } refused
desk-import-done = Done: { $ok } of { $rows } rows imported, { $failed } refused.
desk-sittings = Sittings
desk-sittings-admin-only = Only an admin can create, open or close a sitting.
desk-sitting-rule = { $rule ->
    [more_than] >
   *[at_least] ≥
} { $fraction }{ $basis ->
    [in_hall] {" "}in the hall
   *[checked_in] {""}
}
desk-report = Report
desk-open = Open
desk-close = Close
desk-sitting-opened = The sitting is open.
desk-sitting-closed = The sitting is closed.
desk-sitting-created = Sitting created; open it when the session starts.
desk-sitting-name = Name
desk-sitting-name-input =
    .placeholder = Plenary, day 1
desk-quorum = Quorum
desk-more-than = more than
desk-at-least = at least
desk-numerator =
    .aria-label = numerator
desk-denominator =
    .aria-label = denominator
desk-of-eligible = of eligible delegates
desk-counting = Counting
desk-basis-checked-in = everyone checked in
desk-basis-in-hall = who is in the hall now
desk-create-sitting = Create sitting
desk-expected = Not yet arrived
desk-expected-all = All { $expected } delegates on the roll have arrived.
desk-expected-some = { $missing } of { $expected } delegates on the roll have not arrived.
desk-expected-delegation = { $delegation }: { $missing } of { $expected } not arrived
desk-tokens = Tokens
desk-token-name = Name
desk-token-name-input =
    .placeholder = door A, desk 2
desk-token-role = Role
desk-token-door = Door
desk-token-expires = Expires after
desk-token-never =
    .placeholder = never
desk-token-days = days
desk-create-token = Create token
desk-token-revoked = revoked
desk-token-expired = expired
desk-token-used = last used { $used }
desk-token-used-expires = last used { $used }, expires { $expires }
desk-revoke = Revoke
desk-token-revoked-now = “{ $name }” is revoked: it stops working now.
desk-token-secret = New token (copy it now; it is not shown again):
desk-token-created = Token “{ $name }” created for the role { $role }.

## The browser kiosk.
kiosk-page-title = rollcall · check-in
kiosk-starting = starting
kiosk-online = online
kiosk-offline = offline
kiosk-stats = { $sent ->
    [one] { $sent } frame sent
   *[other] { $sent } frames sent
}{ $waiting ->
    [0] {""}
   *[other] {" "}· { $waiting } waiting
}
kiosk-web-welcome = Welcome, { $names }
kiosk-web-welcome-sub = { $delegations } · { $again ->
    [yes] already checked in
   *[no] checked in
}
kiosk-web-returned = Welcome back, { $names }
kiosk-web-returned-sub = You are back in the hall
kiosk-web-goodbye = Goodbye, { $names }
kiosk-web-goodbye-sub = You are marked out of the hall
kiosk-web-not-checked-in = { $names }: not checked in
kiosk-web-not-checked-in-sub = Please check in at the entrance.
kiosk-web-spoof-sub = Check-in needs you in person, not a picture.
kiosk-web-moment = One moment…
kiosk-web-moment-sub = Keep looking at the camera
kiosk-web-unknown = Not recognised
kiosk-web-unknown-sub = Please see the registration desk.
kiosk-web-closer = Please come closer
kiosk-web-closer-sub = and look at the camera
kiosk-web-offline = Check-in is offline
kiosk-web-offline-sub = Please wait or see the registration desk
kiosk-web-closed = Check-in is closed
kiosk-web-closed-sub = No sitting is open yet.
kiosk-web-no-camera = The camera cannot be opened
kiosk-web-no-camera-sub = { $error }. This page needs HTTPS or localhost and camera permission.

## The printable attendance report.
report-page-title = rollcall · attendance report
report-sitting = Sitting
report-sitting-option = { $name } ({ $status })
report-print = Print or save as PDF
report-csv = CSV
report-xlsx = XLSX
report-loading = Loading…
report-no-such-sitting = No such sitting.
report-no-sittings = No sitting has been opened yet.
report-failed = The report could not be made: { $error }
report-status = Status
report-opened = Opened
report-closed = Closed
report-not-opened = not opened
report-still-open = still open
report-in-hall-at-closing = { $count } at closing
report-quorum = Quorum
report-rule = { $rule ->
    [more_than] More than
   *[at_least] At least
} { $fraction } of the { $eligible } eligible delegates ({ $required } needed), counting delegates { $basis ->
    [in_hall] in the hall
   *[checked_in] checked in
}: { $present } counted, { $reached ->
    [yes] quorum reached
   *[no] quorum not reached
}{ $open ->
    [yes] {" "}(so far: the sitting is still open).
   *[no] .
}
report-roll = The roll, by delegation
report-col-how = How
report-col-checked-in = Checked in
report-col-in-hall = In the hall
report-present = present
report-absent = absent
report-erased = #{ $id } (erased)
report-method = { $method ->
    [kiosk] kiosk
    [manual] desk
    [amendment] amendment
   *[other] { $method }
}
report-amendments = Amendments after closing
report-col-delegate = Delegate
report-col-change = Change
report-col-reason = Reason
report-col-by = By
report-col-when = When
report-amendment = { $action ->
    [add] counted present
   *[remove] presence taken back
}
report-movements = Passages after check-in
report-col-direction = Direction
report-direction = { $direction ->
    [exit] left the hall
   *[entrance] came back in
}
report-roll-calls = Roll calls
report-col-number = No.
report-col-taken = Taken
report-col-eligible = Eligible
report-col-required = Required
report-col-audit-head = Audit head
report-reached = { $reached ->
    [yes] reached
   *[no] not reached
}
report-no-roll-calls = No roll call was taken.
report-audit = Audit chain
report-audit-head = Head of the audit chain when this report was made: { $head }. Check later with: rollcall audit verify --head { $head }
report-audit-hidden = The audit chain head is shown to the presidium and admins.
report-footer = Report made { $time } by rollcall.
