# rollcall bằng tiếng Việt. Mỗi câu một thông điệp; { $name } và các tham số khác do chương
# trình điền vào. Các thông điệp giống hệt tệp tiếng Anh (en.ftl).

language-name = Tiếng Việt

## Máy điểm danh (kiosk): một dòng cho mỗi khuôn mặt.
kiosk-checked-in = Xin chào { $name } ({ $delegation })
kiosk-already-checked-in = Xin chào { $name }: đại biểu đã điểm danh
kiosk-returned = Chào mừng { $name } trở lại hội trường
kiosk-checked-out = Tạm biệt { $name }
kiosk-already-checked-out = Tạm biệt { $name }: đại biểu đã ra khỏi hội trường
kiosk-not-checked-in = { $name } chưa điểm danh: xin mời vào cửa chính
kiosk-pending = Xin vui lòng nhìn vào máy ảnh
kiosk-unknown = Không nhận diện được: xin mời đến bàn đăng ký
kiosk-rejected = Xin vui lòng lại gần máy ảnh hơn
kiosk-spoof-suspected = Xin mời đến bàn đăng ký

## Xuất danh sách điểm danh (CSV và XLSX): tiêu đề cột và dòng sửa đổi.
export-delegate-id = Mã số
export-full-name = Họ và tên
export-delegation = Đoàn đại biểu
export-method = Hình thức
export-checked-in-at = Thời gian điểm danh
export-amended-by = { $actor } sửa đổi: { $reason }

## Từ ngữ dùng chung trên các trang.
language-switch =
    .aria-label = Ngôn ngữ
logout = Đăng xuất
alerts = Cảnh báo
yes = có
no = không
col-name = Họ và tên
col-delegation = Đoàn đại biểu
col-present = Có mặt
role-kiosk = máy điểm danh
role-staff = nhân viên
role-presidium = đoàn chủ tịch
role-admin = quản trị
role-name = { $role ->
    [kiosk] { role-kiosk }
    [staff] { role-staff }
    [presidium] { role-presidium }
    [admin] { role-admin }
   *[other] { $role }
}
door-entrance = cửa vào
door-exit = cửa ra
door-name = { $door ->
    [exit] { door-exit }
   *[entrance] { door-entrance }
}
sitting-status = { $status ->
    [draft] chưa mở
    [open] đang họp
    [closed] đã kết thúc
   *[other] { $status }
}
live-connecting = đang kết nối
live-on = trực tiếp
live-reconnecting = đang kết nối lại…
camera-failed = Không mở được máy ảnh: { $error }
alert-spoof = Nghi dùng ảnh hoặc màn hình tại { $kiosk }
alert-resembles = giống { $name } ({ $delegation })
alert-resembles-nobody = không giống đại biểu nào đã đăng ký
error-offline = Không kết nối được máy chủ.
# Câu trả lời của máy chủ theo mã lỗi; mã khác hiển thị nguyên văn lời của máy chủ.
api-error = { $code ->
    [offline] Không kết nối được máy chủ.
    [conflict] { $message }
    [database_busy] Cơ sở dữ liệu đang bận: xin thử lại sau giây lát.
    [busy] Máy chủ đang bận: xin thử lại sau giây lát.
    [forbidden] Mã truy cập này không được phép làm việc đó.
    [unauthorized] Mã truy cập không hợp lệ: sai hoặc đã bị thu hồi.
    [too_many_auth_failures] Máy này đã nhập sai mã quá nhiều lần: xin chờ một phút.
    [sitting_not_open] Phiên họp chưa mở.
    [sitting_closed] Phiên họp đã kết thúc.
    [no_open_sitting] Không có phiên họp nào đang mở.
    [reason_required] Cần ghi lý do.
    [not_checked_in] Đại biểu này chưa điểm danh.
    [payload_too_large] Tệp quá lớn.
    [invalid_image] Đây không phải là ảnh đọc được.
    [image_too_large] Ảnh có quá nhiều điểm ảnh.
    [request_timeout] Yêu cầu mất quá nhiều thời gian: xin thử lại.
   *[other] { $message }
}
# Vì sao ảnh đăng ký bị từ chối: tiêu đề, rồi các số đo.
refusal = { $code ->
    [no_face] Không thấy khuôn mặt.
    [multiple_faces] Có nhiều hơn một khuôn mặt.
    [face_too_small] Khuôn mặt quá nhỏ.
    [blurry] Ảnh bị mờ.
    [not_frontal] Khuôn mặt không nhìn thẳng.
    [duplicate_of] Khuôn mặt đã được đăng ký cho người khác.
    [spoof_suspected] Đây có vẻ là ảnh chụp lại một tấm ảnh hoặc màn hình.
    [invalid_image] Không phải là ảnh đọc được.
    [payload_too_large] Tệp quá lớn.
    [busy] Máy chủ đang bận.
   *[other] Bị từ chối.
}
refusal-detail = { $code ->
    [no_face] Không tìm thấy khuôn mặt nào trong ảnh.
    [multiple_faces] Ảnh có { $faces } khuôn mặt; mỗi ảnh chỉ đăng ký một người.
    [face_too_small] Hai mắt cách nhau { NUMBER($measured, maximumFractionDigits: 0) } điểm ảnh; cần ít nhất { NUMBER($needed, maximumFractionDigits: 0) }. Xin lại gần hơn.
    [blurry] Độ nét { NUMBER($measured, maximumFractionDigits: 1) }, cần ít nhất { NUMBER($needed, maximumFractionDigits: 1) }. Giữ yên và chụp lại.
    [not_frontal] Độ nhìn thẳng { NUMBER($measured, maximumFractionDigits: 2) }, cần ít nhất { NUMBER($needed, maximumFractionDigits: 2) }. Nhìn thẳng vào máy ảnh.
    [spoof_suspected] Độ thật { NUMBER($measured, maximumFractionDigits: 2) }, cần ít nhất { NUMBER($needed, maximumFractionDigits: 2) }. Xin chụp trực tiếp đại biểu.
    [duplicate_of] Khuôn mặt này trùng với một đại biểu khác.
   *[other] Ảnh bị từ chối.
}

## Màn hình đăng nhập.
login-dashboard = Bảng theo dõi điểm danh. Xin nhập mã truy cập của đoàn chủ tịch hoặc quản trị.
login-desk = Bàn đăng ký. Xin nhập mã truy cập của nhân viên hoặc quản trị.
login-kiosk = Máy điểm danh trên trình duyệt. Xin nhập mã truy cập của máy điểm danh.
login-report = Báo cáo điểm danh. Xin nhập mã truy cập của đoàn chủ tịch, nhân viên hoặc quản trị.
login-token = Mã truy cập
login-submit = Đăng nhập
login-empty = Xin nhập mã truy cập.
login-invalid = Mã truy cập không hợp lệ: sai hoặc đã bị thu hồi.
login-wrong-role = Mã truy cập này có vai trò “{ $role }”, không dùng được trang này.

## Bảng theo dõi của đoàn chủ tịch.
dash-page-title = rollcall · điểm danh
dash-title = Điểm danh đại biểu
dash-no-sitting = Chưa có phiên họp nào mở. Màn hình sẽ theo dõi phiên tiếp theo ngay khi phiên đó mở.
dash-count-label = { $basis ->
    [in_hall] Trong hội trường
   *[checked_in] Có mặt
}
dash-checked-in = Đã điểm danh
dash-in-hall = Đang trong hội trường
dash-chart =
    .aria-label = Đại biểu đến theo thời gian
dash-legend-checked-in = đã điểm danh
dash-legend-in-hall = trong hội trường
dash-legend-quorum = số cần thiết
dash-take-roll-call = Chốt điểm danh
dash-by-delegation = Theo đoàn đại biểu
dash-at-the-doors = Tại các cửa
dash-rule = Số đại biểu cần thiết: { $rule ->
    [more_than] hơn
   *[at_least] ít nhất
} { $fraction } trong { $eligible } đại biểu có quyền biểu quyết, tức là { $required } đại biểu { $basis ->
    [in_hall] trong hội trường
   *[checked_in] có mặt
}
dash-quorum-reached = ĐỦ SỐ ĐẠI BIỂU
dash-quorum-was-reached = ĐÃ ĐỦ SỐ ĐẠI BIỂU
dash-no-quorum = CHƯA ĐỦ SỐ ĐẠI BIỂU · còn thiếu { $missing }
dash-passage = { $delegation } · { $passage ->
    [exit] đã ra khỏi hội trường
   *[reentry] đã trở lại
}
dash-quorum-not-yet = Chưa đủ số đại biểu
dash-quorum-at = Đủ số đại biểu lúc { $time }
dash-quorum-at-after = Đủ số đại biểu lúc { $time }, { $minutes } phút sau khi khai mạc
dash-no-roll-call = Chưa chốt điểm danh lần nào
dash-roll-call = Lần chốt { $id } lúc { $time }: { $present }/{ $eligible } có mặt, { $reached ->
    [yes] đủ số đại biểu
   *[no] chưa đủ số đại biểu (cần { $required })
}
dash-roll-call-failed = Chưa chốt được điểm danh: { $error }
dash-closed-at = kết thúc lúc { $time }
dash-opened-at = khai mạc lúc { $time }
dash-not-opened = chưa khai mạc

## Bàn đăng ký.
desk-page-title = rollcall · bàn đăng ký
desk-title = Bàn đăng ký
desk-open-sitting = Phiên đang họp: { $name }
desk-no-open-sitting = Không có phiên họp nào đang mở
desk-delegates = Đại biểu
desk-search =
    .placeholder = Tìm theo tên, đoàn hoặc mã
    .aria-label = Tìm đại biểu
desk-search-button = Tìm
desk-col-id = Mã
desk-col-enrolment = Ảnh đăng ký
desk-enrolled-badge = đã có ảnh ({ $photos })
desk-no-photo-badge = chưa có ảnh
desk-present-badge = có mặt
desk-left-badge = đã ra ngoài
desk-list-more = { $count } đại biểu phù hợp; hiển thị { $shown } người đầu tiên. Hãy tìm cụ thể hơn.
desk-list-count = { $count } đại biểu
desk-add = Thêm đại biểu
desk-external-id = Mã đại biểu
desk-full-name = Họ và tên
desk-eligible = Có quyền biểu quyết (được tính vào số đại biểu cần thiết)
desk-add-button = Thêm đại biểu
desk-added = Đã thêm { $name }. Bây giờ hãy đăng ký ảnh.
desk-external-id-taken = Mã đại biểu này đã có người dùng.
desk-pick-hint = Chọn một đại biểu để đăng ký ảnh hoặc điểm danh thủ công.
desk-person-meta = { $id } · { $delegation } · { $eligible ->
    [yes] có quyền biểu quyết
   *[no] không có quyền biểu quyết (không tính vào số đại biểu cần thiết)
}
desk-enrolled = Đã đăng ký: { $photos } ảnh
desk-not-enrolled = Chưa đăng ký: chưa có ảnh
desk-photo = Ảnh
desk-upload = Tải ảnh lên
desk-camera = Dùng máy ảnh
desk-take-photo = Chụp ảnh
desk-close-camera = Tắt máy ảnh
desk-checking-photo = Đang kiểm tra ảnh…
desk-photo-accepted = Ảnh đạt yêu cầu và đã được đăng ký.
desk-photo-quality = Hai mắt cách nhau { $eyes } điểm ảnh, độ nét { $sharpness }, độ nhìn thẳng { $frontal }.
desk-liveness-advisory = Ảnh tải lên này có điểm thực thể { $score }, thấp hơn mức yêu cầu với khuôn mặt tại ki-ốt. Ảnh vẫn được nhận vì là tệp ảnh và điểm số đã được ghi lại: hãy bảo đảm đây đúng là ảnh chân dung của đại biểu.
desk-threshold-raised = Các khuôn mặt đã đăng ký giống nhau nhiều hơn so với dữ liệu hiệu chuẩn: ngưỡng nhận dạng đã được nâng từ { $from } lên { $to } để người lạ không được điểm danh. Tại cửa sẽ có nhiều lời nhắc "vui lòng nhìn vào máy ảnh" hơn và nhiều đại biểu được mời đến bàn tiếp đón hơn.
desk-duplicate-of = Trùng với { $name }.
desk-checkin = Điểm danh
desk-reason =
    .placeholder = Lý do (bắt buộc), ví dụ: từ chối chụp ảnh, đã kiểm tra giấy tờ
    .aria-label = Lý do
desk-check-in = Điểm danh thủ công
desk-back-in = Cho vào lại thủ công
desk-mark-out = Ghi nhận ra khỏi hội trường
desk-undo = Hủy điểm danh
desk-state-no-sitting = Không có phiên họp nào đang mở: chỉ điểm danh cho phiên đang họp.
desk-state = { $state ->
    [in_hall] Đã điểm danh phiên “{ $sitting }”, đang trong hội trường.
    [left] Đã điểm danh phiên “{ $sitting }”, đã ra khỏi hội trường.
   *[absent] Chưa điểm danh phiên “{ $sitting }”.
}
desk-reason-checkin = Điểm danh thủ công cần ghi lý do.
desk-reason-out = Ghi nhận đại biểu ra ngoài cần ghi lý do.
desk-reason-undo = Sửa điểm danh cần ghi lý do.
desk-is-checked-in = { $name } đã được điểm danh.
desk-is-back = { $name } đã trở lại hội trường.
desk-is-out = { $name } đã ra khỏi hội trường (vẫn được ghi là đã điểm danh).
desk-undone = Đã hủy điểm danh của { $name }.
desk-import = Nhập hàng loạt
desk-import-csv = Tệp CSV (external_id, full_name, delegation[, eligible])
desk-import-photos = Ảnh đặt tên theo <external_id>.jpg|png|webp
desk-import-button = Nhập
desk-import-no-file = Xin chọn một tệp CSV.
desk-import-header = Dòng tiêu đề CSV cần có external_id, full_name và delegation.
desk-import-row = (dòng { $row })
desk-import-no-photo = { $id }: đã thêm, chưa có ảnh
desk-import-refused = { $id }: { $title } { $error }
desk-import-progress = { $done }/{ $rows } dòng: { $ok } đã nhập, { $failed } bị từ chối
desk-import-done = Xong: đã nhập { $ok }/{ $rows } dòng, { $failed } bị từ chối.
desk-sittings = Phiên họp
desk-sittings-admin-only = Chỉ quản trị mới tạo, mở hoặc kết thúc phiên họp.
desk-sitting-rule = { $rule ->
    [more_than] >
   *[at_least] ≥
} { $fraction }{ $basis ->
    [in_hall] {" "}trong hội trường
   *[checked_in] {""}
}
desk-report = Báo cáo
desk-open = Khai mạc
desk-close = Kết thúc
desk-sitting-opened = Phiên họp đã khai mạc.
desk-sitting-closed = Phiên họp đã kết thúc.
desk-sitting-created = Đã tạo phiên họp; khai mạc khi phiên bắt đầu.
desk-sitting-name = Tên phiên
desk-sitting-name-input =
    .placeholder = Phiên toàn thể, ngày thứ nhất
desk-quorum = Số đại biểu cần thiết
desk-more-than = hơn
desk-at-least = ít nhất
desk-numerator =
    .aria-label = tử số
desk-denominator =
    .aria-label = mẫu số
desk-of-eligible = số đại biểu có quyền biểu quyết
desk-counting = Cách tính
desk-basis-checked-in = mọi người đã điểm danh
desk-basis-in-hall = người đang trong hội trường
desk-create-sitting = Tạo phiên họp
desk-expected = Chưa đến
desk-expected-all = Cả { $expected } đại biểu trong danh sách đã đến.
desk-expected-some = { $missing }/{ $expected } đại biểu trong danh sách chưa đến.
desk-expected-delegation = { $delegation }: { $missing }/{ $expected } chưa đến
desk-tokens = Mã truy cập
desk-token-name = Tên
desk-token-name-input =
    .placeholder = cửa A, bàn 2
desk-token-role = Vai trò
desk-token-door = Cửa
desk-token-expires = Hết hạn sau
desk-token-never =
    .placeholder = không bao giờ
desk-token-days = ngày
desk-create-token = Tạo mã truy cập
desk-token-revoked = đã thu hồi
desk-token-expired = đã hết hạn
desk-token-used = dùng lần cuối { $used }
desk-token-used-expires = dùng lần cuối { $used }, hết hạn { $expires }
desk-revoke = Thu hồi
desk-token-revoked-now = “{ $name }” đã bị thu hồi: mã ngừng hoạt động ngay.
desk-token-secret = Mã truy cập mới (hãy sao chép ngay; mã không hiển thị lại):
desk-token-created = Đã tạo mã “{ $name }” với vai trò { $role }.

## Máy điểm danh trên trình duyệt.
kiosk-page-title = rollcall · điểm danh
kiosk-starting = đang khởi động
kiosk-online = trực tuyến
kiosk-offline = mất kết nối
kiosk-stats = Đã gửi { $sent } khung hình{ $waiting ->
    [0] {""}
   *[other] {" "}· { $waiting } đang chờ
}
kiosk-web-welcome = Xin chào { $names }
kiosk-web-welcome-sub = { $delegations } · { $again ->
    [yes] đã điểm danh trước đó
   *[no] đã điểm danh
}
kiosk-web-returned = Chào mừng { $names } trở lại
kiosk-web-returned-sub = Đại biểu đã trở lại hội trường
kiosk-web-goodbye = Tạm biệt { $names }
kiosk-web-goodbye-sub = Đã ghi nhận đại biểu ra khỏi hội trường
kiosk-web-not-checked-in = { $names }: chưa điểm danh
kiosk-web-not-checked-in-sub = Xin mời điểm danh ở cửa vào.
kiosk-web-spoof-sub = Điểm danh cần chính đại biểu, không phải ảnh.
kiosk-web-moment = Xin chờ một chút…
kiosk-web-moment-sub = Xin tiếp tục nhìn vào máy ảnh
kiosk-web-unknown = Không nhận diện được
kiosk-web-unknown-sub = Xin mời đến bàn đăng ký.
kiosk-web-closer = Xin lại gần hơn
kiosk-web-closer-sub = và nhìn vào máy ảnh
kiosk-web-offline = Máy điểm danh mất kết nối
kiosk-web-offline-sub = Xin chờ hoặc đến bàn đăng ký
kiosk-web-closed = Chưa mở điểm danh
kiosk-web-closed-sub = Chưa có phiên họp nào mở.
kiosk-web-no-camera = Không mở được máy ảnh
kiosk-web-no-camera-sub = { $error }. Trang này cần HTTPS hoặc localhost và quyền dùng máy ảnh.

## Báo cáo điểm danh để in.
report-page-title = rollcall · báo cáo điểm danh
report-sitting = Phiên họp
report-sitting-option = { $name } ({ $status })
report-print = In hoặc lưu PDF
report-csv = CSV
report-xlsx = XLSX
report-loading = Đang tải…
report-no-such-sitting = Không có phiên họp này.
report-no-sittings = Chưa có phiên họp nào được mở.
report-failed = Không lập được báo cáo: { $error }
report-status = Trạng thái
report-opened = Khai mạc
report-closed = Kết thúc
report-not-opened = chưa khai mạc
report-still-open = đang họp
report-in-hall-at-closing = { $count } lúc kết thúc
report-quorum = Số đại biểu cần thiết
report-rule = { $rule ->
    [more_than] Hơn
   *[at_least] Ít nhất
} { $fraction } trong { $eligible } đại biểu có quyền biểu quyết (cần { $required }), tính đại biểu { $basis ->
    [in_hall] trong hội trường
   *[checked_in] đã điểm danh
}: { $present } được tính, { $reached ->
    [yes] đủ số đại biểu
   *[no] chưa đủ số đại biểu
}{ $open ->
    [yes] {" "}(tạm tính: phiên họp chưa kết thúc).
   *[no] .
}
report-roll = Danh sách theo đoàn đại biểu
report-col-how = Hình thức
report-col-checked-in = Điểm danh lúc
report-col-in-hall = Trong hội trường
report-present = có mặt
report-absent = vắng mặt
report-erased = #{ $id } (đã xóa)
report-method = { $method ->
    [kiosk] máy điểm danh
    [manual] bàn đăng ký
    [amendment] sửa đổi
   *[other] { $method }
}
report-amendments = Sửa đổi sau khi kết thúc
report-col-delegate = Đại biểu
report-col-change = Thay đổi
report-col-reason = Lý do
report-col-by = Người sửa
report-col-when = Thời gian
report-amendment = { $action ->
    [add] tính là có mặt
   *[remove] hủy có mặt
}
report-movements = Ra vào sau khi điểm danh
report-col-direction = Hướng
report-direction = { $direction ->
    [exit] ra khỏi hội trường
   *[entrance] trở lại hội trường
}
report-roll-calls = Các lần chốt điểm danh
report-col-number = Số
report-col-taken = Thời gian
report-col-eligible = Có quyền biểu quyết
report-col-required = Cần thiết
report-col-audit-head = Đầu chuỗi nhật ký
report-reached = { $reached ->
    [yes] đủ
   *[no] chưa đủ
}
report-no-roll-calls = Chưa chốt điểm danh lần nào.
report-audit = Chuỗi nhật ký kiểm tra
report-audit-head = Đầu chuỗi nhật ký kiểm tra khi lập báo cáo này: { $head }. Kiểm tra lại bằng lệnh: rollcall audit verify --head { $head }
report-audit-hidden = Đầu chuỗi nhật ký kiểm tra chỉ hiển thị cho đoàn chủ tịch và quản trị.
report-footer = Báo cáo do rollcall lập lúc { $time }.
